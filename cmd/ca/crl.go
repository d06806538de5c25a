package main

import "github.com/spf13/cobra"

// newCRLCmd is a placeholder until the command lands.
func newCRLCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "crl", Hidden: true, RunE: func(*cobra.Command, []string) error { return errNotYet }}
}
