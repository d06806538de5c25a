package spool

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
	"github.com/olekukonko/tablewriter"
)

var testHeader = []string{"serial", "subject", "notAfter"}

// testRows are n rows with cells of varied widths: wide runes, and one
// cell over MaxCell.
func testRows(n int) [][]string {
	rows := make([][]string, n)
	for i := range rows {
		subject := fmt.Sprintf("CN=host-%d.example.com", i)
		switch i % 7 {
		case 3:
			subject = "CN=日本語のホスト" + strings.Repeat("名", i%5)
		case 5:
			subject = strings.Repeat("A", MaxCell+i)
		}
		rows[i] = []string{fmt.Sprintf("%x", 1000+i), subject, "2027-01-02T03:04:05Z"}
	}
	return rows
}

// addAll writes rows to a Table and closes it.
func addAll(t *testing.T, rows [][]string) string {
	t.Helper()
	var got bytes.Buffer
	tab := NewTable(&got, testHeader)
	for _, r := range rows {
		if err := tab.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := tab.Close(); err != nil {
		t.Fatal(err)
	}
	return got.String()
}

// TestTableAsTablewriter: up to FirstPage rows, the table is
// tablewriter's, byte for byte (cells cut at MaxCell as CutCell does).
func TestTableAsTablewriter(t *testing.T) {
	for _, n := range []int{0, 1, 6, 100, FirstPage} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			rows := testRows(n)
			got := addAll(t, rows)
			var want bytes.Buffer
			tw := tablewriter.NewTable(&want)
			tw.Header(testHeader)
			cut := make([][]string, len(rows))
			for i, r := range rows {
				cut[i] = []string{CutCell(r[0]), CutCell(r[1]), CutCell(r[2])}
			}
			if err := tw.Bulk(cut); err != nil {
				t.Fatal(err)
			}
			if err := tw.Render(); err != nil {
				t.Fatal(err)
			}
			if got != want.String() {
				t.Errorf("got\n%.2000s\nwant\n%.2000s", got, want.String())
			}
		})
	}
}

// TestTableLaterRowsCut: rows after the first page keep its widths; a
// wider cell is cut to its column, ending in "…", and every line of the
// table is as wide as the others.
func TestTableLaterRowsCut(t *testing.T) {
	rows := make([][]string, FirstPage+2)
	for i := range rows {
		rows[i] = []string{fmt.Sprintf("%04x", i), "CN=short", "x"}
	}
	rows[FirstPage] = []string{"ffff", "CN=a much longer subject than any before", "x"}
	rows[FirstPage+1] = []string{"fffe", "CN=日本語日本語日本語", "x"}
	out := addAll(t, rows)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(rows)+4 {
		t.Fatalf("%d lines, want %d", len(lines), len(rows)+4)
	}
	width := runewidth.StringWidth(lines[0])
	for i, l := range lines {
		if w := runewidth.StringWidth(l); w != width {
			t.Errorf("line %d is %d wide, want %d: %q", i, w, width, l)
		}
	}
	for _, want := range []string{"│ ffff   │ CN=a mu… │", "│ fffe   │ CN=日本… │"} {
		if !strings.Contains(out, want) {
			t.Errorf("no line %q in\n%s", want, strings.Join(lines[len(lines)-4:], "\n"))
		}
	}
}

// TestTableNothingBeforeFirstPage: nothing is written before the first
// page is full or Close, so an error before leaves the output empty; a
// row of the wrong length is an error.
func TestTableNothingBeforeFirstPage(t *testing.T) {
	var got bytes.Buffer
	tab := NewTable(&got, testHeader)
	for _, r := range testRows(FirstPage - 1) {
		if err := tab.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	if got.Len() != 0 {
		t.Fatalf("wrote %d bytes before the first page was full", got.Len())
	}
	if err := tab.Add([]string{"01"}); err == nil {
		t.Error("a row of one cell under three columns was added")
	}
	if err := tab.Add(testRows(1)[0]); err != nil || got.Len() == 0 {
		t.Errorf("the first page full: %v, %d bytes written", err, got.Len())
	}
}

// TestCutCell: cells over MaxCell runes are cut to MaxCell with "…".
func TestCutCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{strings.Repeat("é", MaxCell), strings.Repeat("é", MaxCell)},
		{strings.Repeat("é", MaxCell+1), strings.Repeat("é", MaxCell-1) + "…"},
	}
	for _, tt := range tests {
		if got := CutCell(tt.in); got != tt.want {
			t.Errorf("CutCell(%d runes) = %d runes, want %d", len([]rune(tt.in)), len([]rune(got)), len([]rune(tt.want)))
		}
	}
}
