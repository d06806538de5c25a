package main

import "github.com/spf13/cobra"

// newPolicyCmd is a placeholder until the command lands.
func newPolicyCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "policy", Hidden: true, RunE: func(*cobra.Command, []string) error { return errNotYet }}
}
