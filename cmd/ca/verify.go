package main

import "github.com/spf13/cobra"

// newVerifyCmd is a placeholder until the command lands.
func newVerifyCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "verify", Hidden: true, RunE: func(*cobra.Command, []string) error { return errNotYet }}
}
