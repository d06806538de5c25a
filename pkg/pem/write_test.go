package pem

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteFilesRefusesSpecialTargets: a device, a symlink or a directory is
// never replaced (a rename over /dev/null must never happen), and a key is
// never written over an existing file.
func TestWriteFilesRefusesSpecialTargets(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "link.pem")
	if err := os.Symlink(filepath.Join(dir, "target.pem"), link); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(existing, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	devBefore, err := os.Lstat("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		file File
		want error
	}{
		{"device", File{Path: "/dev/null", Data: []byte("x")}, ErrNotRegular},
		{"symlink", File{Path: link, Data: []byte("x")}, ErrNotRegular},
		{"directory", File{Path: sub, Data: []byte("x")}, ErrNotRegular},
		{"key over a file", File{Path: existing, Data: []byte("new"), Mode: 0o600, NoReplace: true}, ErrExists},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := WriteFiles(c.file); !errors.Is(err, c.want) {
				t.Errorf("err = %v, want %v", err, c.want)
			}
			// In a batch, nothing is written either.
			other := filepath.Join(dir, "other.pem")
			if err := WriteFiles(File{Path: other, Data: []byte("y")}, c.file); !errors.Is(err, c.want) {
				t.Errorf("batch: err = %v, want %v", err, c.want)
			}
			if _, err := os.Lstat(other); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a refused batch wrote %s", other)
			}
		})
	}
	devAfter, err := os.Lstat("/dev/null")
	if err != nil || devAfter.Mode() != devBefore.Mode() || devAfter.Mode()&fs.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is no longer the device: %v %v", devAfter.Mode(), err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "target.pem")); err == nil {
		t.Error("a write followed the symlink")
	}
	if data, _ := os.ReadFile(existing); string(data) != "old" {
		t.Errorf("the existing key was replaced: %q", data)
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(tmp) > 0 {
		t.Errorf("temp files left: %v", tmp)
	}
}
