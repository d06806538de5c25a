package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
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

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// maxCell is the widest cell of a table, in runes: a table pads every row
// to its widest cell, so one hostile value (a 200,000-character attribute
// in a CSR under "ca policy check") would otherwise multiply the output by
// the number of rows. JSON output carries the whole value.
const maxCell = 200

// table writes a tablewriter table of rows under header.
func table(w io.Writer, header []string, rows [][]string) error {
	t := tablewriter.NewTable(w)
	t.Header(header)
	for _, row := range rows {
		for i, cell := range row {
			if r := []rune(cell); len(r) > maxCell {
				row[i] = string(r[:maxCell-1]) + "…"
			}
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
// not be written or must not be replaced: a directory, symlink or device
// (exit 2); an existing file that is not a kind artefact (a key, a store,
// a request), that lies in the home's issuers/ directory or is its store
// (exit 5); a file in a missing directory (exit 4). "-" is stdout. Every
// command with --out or --out-dir checks its files here (SPEC.md, "Files
// the user names").
func (g *globals) checkOut(flag, out string, kind pem.Kind) error {
	if out == "-" {
		return nil
	}
	if err := g.checkFiles(flag, pem.File{Path: out, Kind: kind}); err != nil {
		return err
	}
	if fi, err := os.Stat(filepath.Dir(out)); err != nil || !fi.IsDir() {
		return fmt.Errorf("%w: directory %s of %s %s does not exist; create it first", ca.ErrNotFound, filepath.Dir(out), flag, out)
	}
	return nil
}

// checkFiles checks the files a command is about to write, named by flag:
// the home's own files (checkNotHomeFile), then pem.CheckFile (a key is
// never replaced; a file with a Kind only by one of its kind).
func (g *globals) checkFiles(flag string, files ...pem.File) error {
	for _, f := range files {
		if err := g.checkNotHomeFile(flag, f.Path); err != nil {
			return err
		}
		if err := pem.CheckFile(f); errors.Is(err, pem.ErrNotRegular) {
			return usageError{err}
		} else if err != nil {
			return err
		}
	}
	return nil
}

// checkNotHomeFile refuses (exit 5) an existing out that is the home's store
// or a file in its issuers/ directory, under any name: a hard link, a path
// through a symlinked directory. A file that does not exist yet is no
// replacement and passes.
func (g *globals) checkNotHomeFile(flag, out string) error {
	fi, err := os.Stat(out)
	if err != nil {
		return nil // missing (fine) or unreadable: CheckReplace says which
	}
	refuse := func(what string) error {
		return fmt.Errorf("%w: %s %s is %s; ca never replaces it: name a file outside the home", ca.ErrExists, flag, out, what)
	}
	if db, err := os.Stat(filepath.Join(g.home, "ca.db")); err == nil && os.SameFile(fi, db) {
		return refuse("the home's store")
	}
	issuers := filepath.Join(g.home, "issuers")
	if dir, ok := realPath(filepath.Dir(out)); ok {
		if top, ok := realPath(issuers); ok {
			if rel, err := filepath.Rel(top, dir); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return refuse("in the home's issuers/ directory")
			}
		}
	}
	dirs, _ := os.ReadDir(issuers)
	for _, d := range dirs {
		files, _ := os.ReadDir(filepath.Join(issuers, d.Name()))
		for _, f := range files {
			if other, err := os.Stat(filepath.Join(issuers, d.Name(), f.Name())); err == nil && os.SameFile(fi, other) {
				return refuse("a link to the home's " + filepath.Join("issuers", d.Name(), f.Name()))
			}
		}
	}
	return nil
}

// realPath is path made absolute with every symlink resolved.
func realPath(path string) (string, bool) {
	p, err := filepath.EvalSymlinks(path)
	if err == nil {
		p, err = filepath.Abs(p)
	}
	return p, err == nil
}

// printable returns s as it is, or quoted (strconv.Quote) when it holds a
// control or other non-printable character: text from a certificate or a
// manifest cell could otherwise clear the screen or forge output lines.
func printable(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return strconv.Quote(s)
	}
	return s
}
