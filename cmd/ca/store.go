package main

import "github.com/spf13/cobra"

// newStoreCmd is a placeholder until the command lands.
func newStoreCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "store", Hidden: true, RunE: func(*cobra.Command, []string) error { return errNotYet }}
}
