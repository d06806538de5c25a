// Package docgen writes the CLI reference of a cobra command tree:
// Markdown pages and man pages, with a pinned date so that the generated
// files change only when the commands do. cmd/ca builds it in only with
// -tags gendocs (make docs), since its Markdown and YAML libraries would
// slow every start of ca.
package docgen

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// Date is the date stamped on the generated man pages. cobra's man
// generator would stamp the current month, so "make docs-check" would fail
// every month; bump it by hand when the reference changes much.
var Date = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// Write writes the reference of every visible command of root: Markdown
// into DIR/reference and man pages into DIR/man, which it returns. Both
// directories are emptied of what a previous run wrote (*.md, *.1), so a
// command that is gone leaves no stale page behind. Errors start with
// "gen-docs: ".
func Write(root *cobra.Command, dir string) (md, man string, err error) {
	root.DisableAutoGenTag = true
	md, man = filepath.Join(dir, "reference"), filepath.Join(dir, "man")
	for _, d := range []struct{ path, glob string }{{md, "*.md"}, {man, "*.1"}} {
		if err := os.MkdirAll(d.path, 0o755); err != nil {
			return "", "", fmt.Errorf("gen-docs: %w", err)
		}
		old, _ := filepath.Glob(filepath.Join(d.path, d.glob))
		for _, f := range old {
			if err := os.Remove(f); err != nil {
				return "", "", fmt.Errorf("gen-docs: %w", err)
			}
		}
	}
	if err := doc.GenMarkdownTree(root, md); err != nil {
		return "", "", fmt.Errorf("gen-docs: markdown: %w", err)
	}
	date := Date
	header := &doc.GenManHeader{Title: "CA", Section: "1", Date: &date, Source: "ca", Manual: "ca manual"}
	if err := doc.GenManTree(root, header, man); err != nil {
		return "", "", fmt.Errorf("gen-docs: man: %w", err)
	}
	return md, man, nil
}
