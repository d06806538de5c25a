package main

import "github.com/spf13/cobra"

// newExportCmd is a placeholder until the command lands.
func newExportCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "export", Hidden: true, RunE: func(*cobra.Command, []string) error { return errNotYet }}
}
