//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ca-toolkit/ca/store"
)

// Script commands of the scripts on special files and signals.
func init() {
	// mkfifo FILE: makes a FIFO (mode 0600) at FILE.
	scriptCmds["mkfifo"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: mkfifo FILE")
		}
		ts.Check(syscall.Mkfifo(ts.MkAbs(args[0]), 0o600))
	}
	// sighup: sends SIGHUP to the background commands.
	scriptCmds["sighup"] = func(ts *testscript.TestScript, neg bool, args []string) {
		for _, c := range ts.BackgroundCmds() {
			c.Process.Signal(syscall.SIGHUP) // one that has exited already is no error here
		}
	}
}

// TestSignPipeReadBeforeStore: past the pre-read budget "ca sign csr"
// leaves requests to its workers, which read them with the store held; a
// CSR that is a FIFO is still read before the store is opened, so its
// writer, however slow, never keeps the store locked.
func TestSignPipeReadBeforeStore(t *testing.T) {
	defer func(b int) { preReadBudget = b }(preReadBudget)
	preReadBudget = 1 // the first request is read before the store is opened
	dir := t.TempDir()
	home := filepath.Join(dir, "pki")
	signMustCA(t, home, "init", "--cn", "Pipe Root", "--org", "Example", "--country", "DE", "--no-passphrase")
	args := []string{"-o", "json", "sign", "csr", "--out-dir", filepath.Join(dir, "out")}
	for _, name := range []string{"first.csr", "file.csr"} {
		data, err := hostileCSR("good", "")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, path)
	}
	fifo := filepath.Join(dir, "pipe.csr")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	args = append(args, fifo)
	data, err := hostileCSR("good", "")
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0) // until sign opens it to read
		if err != nil {
			held <- err
			return
		}
		defer f.Close()
		// The store must be free now: sign is reading this pipe.
		st, err := store.Open(filepath.Join(home, "ca.db"), store.Options{ReadOnly: true, Timeout: time.Millisecond})
		if err == nil {
			st.Close()
		}
		held <- err
		f.Write(data)
	}()
	out, errs, code := signRunCA(t, home, args...)
	select {
	case err := <-held:
		if err != nil {
			t.Errorf("when sign read the FIFO: %v; want the store not held", err)
		}
	case <-time.After(time.Second):
		// Release the writer: sign never opened the FIFO.
		if r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			defer r.Close()
		}
		t.Errorf("sign never read the FIFO\n%s", errs)
	}
	if code != 0 || strings.Count(out, `"status": "signed"`) != 3 {
		t.Fatalf("exit %d, want 0 with 3 signed\n%s%s", code, out, errs)
	}
}
