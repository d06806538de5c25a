package main

import "github.com/spf13/cobra"

// newProbeCmd is a placeholder until the command lands.
func newProbeCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "probe", Hidden: true, RunE: func(*cobra.Command, []string) error { return errNotYet }}
}
