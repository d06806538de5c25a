package main

import "github.com/spf13/cobra"

// newServeCmd is a placeholder until the command lands.
func newServeCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "serve", Hidden: true, RunE: func(*cobra.Command, []string) error { return errNotYet }}
}
