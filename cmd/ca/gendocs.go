//go:build gendocs

package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/internal/docgen"
)

// This file is built only with -tags gendocs (make docs): the generator pulls
// in a Markdown and a YAML library that every start of ca would pay for.

func newGenDocsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:    "gen-docs DIR",
		Short:  "Write the CLI reference: Markdown into DIR/reference, man pages into DIR/man",
		Hidden: true,
		Args:   usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			md, man, err := docgen.Write(cmd.Root(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "wrote %s and %s\n", md, man)
			return nil
		},
	}
}
