//go:build unix

package store

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestOpenRefusesSpecialFiles: a FIFO (a symlink to one too), a device or
// a directory as the store is ErrNotRegular at once, for every kind of
// open, and never waited on (opening a FIFO for reading blocks until a
// writer comes).
func TestOpenRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.db")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fifo, link, "/dev/null", dir} {
		for _, opts := range []Options{{}, {ReadOnly: true}, {Create: true}} {
			done := make(chan error, 1)
			go func() {
				opts.Timeout = time.Second
				st, err := Open(path, opts)
				if err == nil {
					st.Close()
				}
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, ErrNotRegular) {
					t.Errorf("Open(%s, %+v) = %v, want ErrNotRegular", path, opts, err)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("Open(%s, %+v) still waits after 5s", path, opts)
			}
		}
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was changed: %v %v", fi, err)
	}
}
