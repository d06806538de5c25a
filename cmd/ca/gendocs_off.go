//go:build !gendocs

package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newGenDocsCmd stands in for the docs generator, which is built only with
// -tags gendocs (make docs), so that its libraries do not slow every start.
func newGenDocsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:    "gen-docs DIR",
		Short:  "Write the CLI reference (built with -tags gendocs only)",
		Hidden: true,
		Args:   usageArgs(cobra.ExactArgs(1)),
		RunE: func(*cobra.Command, []string) error {
			return errors.New("this ca was built without the docs generator; run \"make docs\"")
		},
	}
}
