package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// TestListSlowReaderFreesStore: "ca -o json list" into a pipe nobody reads
// past its first row (a pager) prints that row, reads the rest of the
// store into its spool and closes the store: a command that writes to the
// store runs meanwhile. The output read afterwards is the whole array.
func TestListSlowReaderFreesStore(t *testing.T) {
	home := newTestHome(t)
	const n = 3000 // about 4 MB of JSON: far more than a pipe holds
	fillListStore(t, home, n)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	list := exec.Command(caPath(t), "--home", home, "-o", "json", "list")
	var errb strings.Builder
	list.Stdout, list.Stderr = w, &errb
	if err := list.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	defer list.Process.Kill()
	out := bufio.NewReader(r)
	first, err := out.Peek(len("[\n  {"))
	if err != nil || string(first) != "[\n  {" {
		t.Fatalf("first bytes %q, %v", first, err)
	}
	// The list is blocked on its stdout now; the store must be free.
	if run := runCA(t, home, nil, "--lock-timeout", "20s", "crl", "export", "--out", "-"); run.code != 0 {
		t.Fatalf("crl export while list waits for its reader: exit %d\n%s", run.code, run.stderr)
	}
	var rows []ca.ListEntry
	if err := json.NewDecoder(out).Decode(&rows); err != nil {
		t.Fatalf("the JSON read after: %v", err)
	}
	io.Copy(io.Discard, out)
	if err := list.Wait(); err != nil {
		t.Fatalf("list: %v\n%s", err, errb.String())
	}
	if len(rows) != n+1 {
		t.Errorf("%d rows, want %d", len(rows), n+1)
	}
}
