package spool

import (
	"fmt"
	"io"
	"strings"

	"github.com/mattn/go-runewidth"
	"github.com/olekukonko/tablewriter/tw"
)

// MaxCell is the widest cell of a table, in runes: a table pads every row
// to its widest cell, so one hostile value (a 200,000-character attribute
// in a CSR) would otherwise multiply the output by the number of rows.
const MaxCell = 200

// FirstPage is how many rows a Table reads before it writes anything: the
// widths of its columns are those of the header and these rows.
const FirstPage = 1000

// CutCell returns cell, or its first MaxCell-1 runes and "…" when it has
// more than MaxCell.
func CutCell(cell string) string {
	if r := []rune(cell); len(r) > MaxCell {
		return string(r[:MaxCell-1]) + "…"
	}
	return cell
}

// Table writes a table in the look of tablewriter's default (box lines,
// centred upper-case titles split at camelCase), one row at a time, with
// memory for FirstPage rows only: the column widths come from the header
// and the first FirstPage rows (all of them when there are fewer: the
// table is then tablewriter's, byte for byte). A later cell wider than its
// column is cut to it, ending in "…"; every cell is cut at MaxCell runes
// (CutCell). Nothing is written before the first page is full or Close,
// so an error before then leaves w empty; an error after leaves the table
// without its bottom line.
type Table struct {
	w       io.Writer
	titles  []string
	widths  []int
	held    [][]string // the first page, until it is written
	started bool
	line    []byte
}

// NewTable makes a Table of the columns header (camelCase names) writing
// to w.
func NewTable(w io.Writer, header []string) *Table {
	t := &Table{w: w, titles: make([]string, len(header)), widths: make([]int, len(header))}
	for i, h := range header {
		words := strings.Join(tw.SplitCamelCase(h), " ")
		t.titles[i], t.widths[i] = tw.Title(words), runewidth.StringWidth(words)
	}
	return t
}

// Add writes row, one cell per column: a row of another length is an
// error. Its cells must hold no line breaks (the caller quotes them).
func (t *Table) Add(row []string) error {
	if len(row) != len(t.widths) {
		return fmt.Errorf("spool: a row of %d cells under %d columns", len(row), len(t.widths))
	}
	cells := make([]string, len(row))
	for i, cell := range row {
		cells[i] = CutCell(cell)
	}
	if t.started {
		return t.row(cells, false)
	}
	t.held = append(t.held, cells)
	if len(t.held) < FirstPage {
		return nil
	}
	return t.start()
}

// Close writes what is held and the bottom line.
func (t *Table) Close() error {
	if !t.started {
		if len(t.held) == 0 { // tablewriter draws no line under the titles then
			t.rule("┌", "┬", "┐")
			if err := t.row(t.titles, true); err != nil {
				return err
			}
			return t.flushRule("└", "┴", "┘")
		}
		if err := t.start(); err != nil {
			return err
		}
	}
	return t.flushRule("└", "┴", "┘")
}

// start takes the widths from the rows held and writes the head and them.
func (t *Table) start() error {
	for _, row := range t.held {
		for i, cell := range row {
			t.widths[i] = max(t.widths[i], runewidth.StringWidth(cell))
		}
	}
	t.started = true
	t.rule("┌", "┬", "┐")
	if err := t.row(t.titles, true); err != nil {
		return err
	}
	t.rule("├", "┼", "┤")
	for _, row := range t.held {
		if err := t.row(row, false); err != nil {
			return err
		}
	}
	t.held = nil
	return nil
}

// rule adds a horizontal line to the line buffer.
func (t *Table) rule(left, mid, right string) {
	t.line = append(t.line, left...)
	for i, w := range t.widths {
		if i > 0 {
			t.line = append(t.line, mid...)
		}
		t.line = append(t.line, strings.Repeat("─", w+2)...)
	}
	t.line = append(t.line, right+"\n"...)
}

// flushRule writes a horizontal line and what the buffer held before it.
func (t *Table) flushRule(left, mid, right string) error {
	t.rule(left, mid, right)
	return t.flush()
}

// row writes the buffer and a row of cells, padded (centred for titles)
// or cut to the column widths.
func (t *Table) row(cells []string, center bool) error {
	for i, cell := range cells {
		w := t.widths[i]
		if runewidth.StringWidth(cell) > w {
			cell = runewidth.Truncate(cell, w, "…")
		}
		pad := w - runewidth.StringWidth(cell)
		left := 0
		if center {
			left = pad / 2
		}
		t.line = append(t.line, "│ "+strings.Repeat(" ", left)+cell+strings.Repeat(" ", pad-left)+" "...)
	}
	t.line = append(t.line, "│\n"...)
	return t.flush()
}

// flush writes the line buffer.
func (t *Table) flush() error {
	_, err := t.w.Write(t.line)
	t.line = t.line[:0]
	return err
}
