package main

import "github.com/spf13/cobra"

// newListCmd is a placeholder until the command lands.
func newListCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "list", Hidden: true, RunE: func(*cobra.Command, []string) error { return errNotYet }}
}
