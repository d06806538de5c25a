package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"strings"

	"github.com/mattn/go-runewidth"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"

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

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// spoolJSON writes the JSON array of the values fill adds, as they come,
// to an unlinked temporary file, then copies it to w: fill may hold the
// store open and memory stays flat however many values there are; nothing
// reaches w (a slow pager) until fill has returned. what names the command
// in messages.
func spoolJSON(w io.Writer, what string, fill func(add func(any) error) error) error {
	spool, err := os.CreateTemp("", "ca-"+what+"-*")
	if err != nil {
		return fmt.Errorf("%s: temporary file: %w", what, err)
	}
	defer spool.Close()
	os.Remove(spool.Name()) // unlinked: gone when closed, whatever happens
	b := bufio.NewWriter(spool)
	sep := "[\n"
	err = fill(func(v any) error {
		data, err := json.MarshalIndent(v, "  ", "  ")
		if err != nil {
			return err
		}
		b.WriteString(sep + "  ")
		sep = ",\n"
		_, err = b.Write(data)
		return err
	})
	if err != nil {
		return err
	}
	if sep == "[\n" {
		b.WriteString("[]\n")
	} else {
		b.WriteString("\n]\n")
	}
	if err := b.Flush(); err != nil {
		return fmt.Errorf("%s: temporary file: %w", what, err)
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	_, err = io.Copy(w, spool)
	return err
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

// printable returns s as it is, or quoted (strconv.Quote) when it holds a
// control or other non-printable character: text from a certificate or a
// manifest cell could otherwise clear the screen or forge output lines.
func printable(s string) string { return ca.Printable(s) }

// printables is printable of each of list.
func printables(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = printable(s)
	}
	return out
}

// logLines is the writer of a log.Logger (one Write per entry) that
// escapes the control characters of each entry, keeping its final newline:
// a client certificate's subject in a handshake error cannot forge or
// garble lines of serve's log.
type logLines struct{ w io.Writer }

func (l logLines) Write(p []byte) (int, error) {
	body := strings.TrimSuffix(string(p), "\n")
	if rest, ok := strings.CutPrefix(body, "ca: "); ok {
		body = "ca: " + render(rest) // the command's own words (message)
	}
	if q := printable(body); q != body {
		body = q[1 : len(q)-1] // the escapes, without the quotes
	}
	if _, err := io.WriteString(l.w, body+"\n"); err != nil {
		return 0, err
	}
	return len(p), nil
}

// spoolTable writes the table of the rows fill adds (cells cut at
// maxCell), like table but without holding them: the rows go to an
// unlinked temporary file, with the width of each column, and are then
// rendered from it one by one with those widths (streamTable). As with spoolJSON,
// nothing reaches w until fill has returned.
func spoolTable(w io.Writer, what string, header []string, fill func(add func([]string) error) error) error {
	spool, err := os.CreateTemp("", "ca-"+what+"-*")
	if err != nil {
		return fmt.Errorf("%s: temporary file: %w", what, err)
	}
	defer spool.Close()
	os.Remove(spool.Name()) // unlinked: gone when closed, whatever happens
	widths := tw.Mapper[int, int]{}
	for i, h := range header {
		widths[i] = runewidth.StringWidth(strings.Join(tw.SplitCamelCase(h), " "))
	}
	b, n := bufio.NewWriter(spool), 0
	enc := json.NewEncoder(b)
	err = fill(func(row []string) error {
		for i, cell := range row {
			// One line a row: a control character is quoted (printable).
			if r := []rune(printable(cell)); len(r) > maxCell {
				row[i] = string(r[:maxCell-1]) + "…"
			} else {
				row[i] = string(r)
			}
			widths[i] = max(widths[i], runewidth.StringWidth(row[i]))
		}
		n++
		return enc.Encode(row)
	})
	if err == nil {
		err = b.Flush()
	}
	if err != nil {
		return err
	}
	if n == 0 {
		return table(w, header, nil)
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return streamTable(w, header, widths, json.NewDecoder(bufio.NewReader(spool)), n)
}

// streamTable renders n rows decoded from dec under header, one at a
// time, with the given cell widths, in the look of table (tablewriter's
// default): tablewriter's own streaming mode keeps some memory per row.
func streamTable(w io.Writer, header []string, widths tw.Mapper[int, int], dec *json.Decoder, n int) error {
	b := bufio.NewWriter(w)
	line := func(left, mid, right string) {
		b.WriteString(left)
		for i := range header {
			if i > 0 {
				b.WriteString(mid)
			}
			b.WriteString(strings.Repeat("─", widths[i]+2))
		}
		b.WriteString(right + "\n")
	}
	cells := func(row []string, center bool) {
		for i, cell := range row {
			pad := widths[i] - runewidth.StringWidth(cell)
			left := 0
			if center {
				left = pad / 2
			}
			b.WriteString("│ " + strings.Repeat(" ", left) + cell + strings.Repeat(" ", pad-left) + " ")
		}
		b.WriteString("│\n")
	}
	titles := make([]string, len(header))
	for i, h := range header {
		titles[i] = tw.Title(strings.Join(tw.SplitCamelCase(h), " "))
	}
	line("┌", "┬", "┐")
	cells(titles, true)
	line("├", "┼", "┤")
	for range n {
		var row []string
		if err := dec.Decode(&row); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
		if len(row) != len(header) {
			return fmt.Errorf("write table: a row of %d cells under %d columns", len(row), len(header))
		}
		cells(row, false)
	}
	line("└", "┴", "┘")
	if err := b.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}
