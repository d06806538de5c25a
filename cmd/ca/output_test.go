package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/internal/spool"
)

// TestTableCellsBounded: one huge value does not widen every row of a
// table (a hostile CSR under "ca policy check" made 1.5 GB of text from
// 322 KB): the cell is cut with "…", the output stays proportional.
func TestTableCellsBounded(t *testing.T) {
	rows := [][]string{{"FAIL", "subject L", strings.Repeat("A", 200_000)}}
	for range 1000 {
		rows = append(rows, []string{"FAIL", "subject 1.2.3.4", "x"})
	}
	var out bytes.Buffer
	if err := table(&out, []string{"RESULT", "FIELD", "VALUE"}, rows); err != nil {
		t.Fatal(err)
	}
	if limit := len(rows) * (spool.MaxCell + 100) * 3; out.Len() > limit { // box characters are 3 bytes
		t.Errorf("%d bytes of table for %d rows, want at most %d", out.Len(), len(rows), limit)
	}
	if !strings.Contains(out.String(), strings.Repeat("A", spool.MaxCell-1)+"…") {
		t.Error("the long cell is not cut with …")
	}
}
