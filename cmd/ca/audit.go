package main

import "github.com/spf13/cobra"

// newAuditCmd is a placeholder until the command lands.
func newAuditCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "audit", Hidden: true, RunE: func(*cobra.Command, []string) error { return errNotYet }}
}
