package main

import "github.com/spf13/cobra"

// newIssueCmd is a placeholder until the command lands.
func newIssueCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "issue", Hidden: true, RunE: func(*cobra.Command, []string) error { return errNotYet }}
}
