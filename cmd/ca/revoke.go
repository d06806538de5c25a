package main

import "github.com/spf13/cobra"

// newRevokeCmd is a placeholder until the command lands.
func newRevokeCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "revoke", Hidden: true, RunE: func(*cobra.Command, []string) error { return errNotYet }}
}
