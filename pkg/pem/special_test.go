//go:build unix

package pem

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOpenRegularRefusesSpecialFiles: a FIFO (a symlink to one too), a
// device or a directory is ErrNotRegularInput at once, naming the path; a
// regular file, through a symlink too, opens.
func TestOpenRegularRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "key.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.pem")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, kind string }{
		{fifo, "FIFO"}, {link, "FIFO"}, {"/dev/null", "device"}, {dir, "directory"},
	} {
		done := make(chan error, 1)
		go func() {
			_, err := ReadKeyFile(c.path)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, ErrNotRegularInput) ||
				!strings.Contains(err.Error(), c.path+" is a "+c.kind) {
				t.Errorf("ReadKeyFile(%s) = %v, want ErrNotRegularInput naming it a %s", c.path, err, c.kind)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("ReadKeyFile(%s) still waits after 5s", c.path)
		}
	}
	file := filepath.Join(dir, "file.pem")
	if err := os.WriteFile(file, []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	fileLink := filepath.Join(dir, "file-link.pem")
	if err := os.Symlink(file, fileLink); err != nil {
		t.Fatal(err)
	}
	f, fi, err := OpenRegular(fileLink)
	if err != nil || fi.Size() != 4 {
		t.Fatalf("OpenRegular(symlink to a file) = %v, %v", fi, err)
	}
	f.Close()
}
