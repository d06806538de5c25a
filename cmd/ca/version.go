package main

import (
	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/internal/buildinfo"
)

// commit is the commit the binary was built from, set by the linker for a
// release (-X main.commit=...; make dist); otherwise the VCS revision Go
// recorded, if any.
var commit = ""

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of ca",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.renderText(buildinfo.Read(version, commit))
		},
	}
}
