package main

import "github.com/spf13/cobra"

// newSignCmd is a placeholder until the command lands.
func newSignCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "sign", Hidden: true, RunE: func(*cobra.Command, []string) error { return errNotYet }}
}
