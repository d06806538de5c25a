//go:build gendocs

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// This file is built only with -tags gendocs (make docs): the generator pulls
// in a Markdown and a YAML library that every start of ca would pay for.

// docsDate is the date stamped on the generated man pages. cobra's man
// generator would stamp the current month, so "make docs-check" would fail
// every month; bump it by hand when the reference changes much.
var docsDate = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

func newGenDocsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:    "gen-docs DIR",
		Short:  "Write the CLI reference: Markdown into DIR/reference, man pages into DIR/man",
		Hidden: true,
		Args:   usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return genDocs(cmd.Root(), args[0], g.stdout)
		},
	}
}

// genDocs writes the reference of every visible command of root. Both
// directories are emptied of what a previous run wrote, so a command that
// is gone leaves no stale page behind.
func genDocs(root *cobra.Command, dir string, w io.Writer) error {
	root.DisableAutoGenTag = true
	md, man := filepath.Join(dir, "reference"), filepath.Join(dir, "man")
	for _, d := range []struct{ path, glob string }{{md, "*.md"}, {man, "*.1"}} {
		if err := os.MkdirAll(d.path, 0o755); err != nil {
			return fmt.Errorf("gen-docs: %w", err)
		}
		old, _ := filepath.Glob(filepath.Join(d.path, d.glob))
		for _, f := range old {
			if err := os.Remove(f); err != nil {
				return fmt.Errorf("gen-docs: %w", err)
			}
		}
	}
	if err := doc.GenMarkdownTree(root, md); err != nil {
		return fmt.Errorf("gen-docs: markdown: %w", err)
	}
	date := docsDate
	header := &doc.GenManHeader{Title: "CA", Section: "1", Date: &date, Source: "ca", Manual: "ca manual"}
	if err := doc.GenManTree(root, header, man); err != nil {
		return fmt.Errorf("gen-docs: man: %w", err)
	}
	fmt.Fprintf(w, "wrote %s and %s\n", md, man)
	return nil
}
