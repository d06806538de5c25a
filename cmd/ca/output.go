package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/internal/errtext"
	"github.com/ca-toolkit/ca/internal/spool"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
)

// texter is a result that can write itself for people; its JSON form comes
// from its struct tags, so both are fed by one value.
type texter interface{ text(w io.Writer) }

// render writes v to stdout as text or, with -o json, as one JSON document.
func (g *globals) render(v texter) error {
	if g.json() {
		return writeJSON(g.stdout, v)
	}
	v.text(g.stdout)
	return nil
}

// renderText writes a library report to stdout: its own text or, with
// -o json, its JSON (struct tags; SPEC.md fixes the field names).
func (g *globals) renderText(v home.TextReport) error {
	if g.json() {
		return writeJSON(g.stdout, v)
	}
	return v.WriteText(g.stdout)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// table writes a tablewriter table of rows under header, each cell cut at
// spool.MaxCell runes: one hostile value (a 200,000-character attribute in
// a CSR under "ca policy check") would otherwise widen every row. JSON
// output carries the whole value.
func table(w io.Writer, header []string, rows [][]string) error {
	t := tablewriter.NewTable(w)
	t.Header(header)
	for _, row := range rows {
		for i, cell := range row {
			row[i] = spool.CutCell(cell)
		}
	}
	if err := t.Bulk(rows); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return t.Render()
}

// usageArgs makes an argument check's error a usage error (exit 2).
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

var noArgs = usageArgs(cobra.NoArgs)

// checkOut refuses, before any work, a file flag (--out) whose file could
// not be written or must not be replaced (home.CheckOut); "-" is stdout.
func (g *globals) checkOut(flag, out string, kind pem.Kind) error {
	if out == "-" {
		return nil
	}
	return g.h().CheckOut(flag, out, kind)
}

// checkFiles checks the files a command is about to write, named by flag
// (home.CheckFiles).
func (g *globals) checkFiles(flag string, files ...place.File) error {
	return g.h().CheckFiles(flag, files...)
}

// logLines is the writer of a log.Logger (one Write per entry) that
// escapes the control characters of each entry, keeping its final newline:
// a client certificate's subject in a handshake error cannot forge or
// garble lines of serve's log.
type logLines struct{ w io.Writer }

func (l logLines) Write(p []byte) (int, error) {
	body := strings.TrimSuffix(string(p), "\n")
	if rest, ok := strings.CutPrefix(body, "ca: "); ok {
		body = "ca: " + errtext.Render(rest) // the command's own words (message)
	}
	if q := ca.Printable(body); q != body {
		body = q[1 : len(q)-1] // the escapes, without the quotes
	}
	if _, err := io.WriteString(l.w, body+"\n"); err != nil {
		return 0, err
	}
	return len(p), nil
}
