package main

import "github.com/spf13/cobra"

// newCSRCmd is a placeholder until the command lands.
func newCSRCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "csr", Hidden: true, RunE: func(*cobra.Command, []string) error { return errNotYet }}
}
