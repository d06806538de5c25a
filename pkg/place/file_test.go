package place

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestWriteFilesRefusesSpecialTargets: a device, a symlink or a directory is
// never replaced (a rename over /dev/null must never happen), and a key is
// never written over an existing file.
func TestWriteFilesRefusesSpecialTargets(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/null, and symlinks need a privilege, on Windows")
	}
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

func TestWriteFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/null, and symlinks need a privilege, on Windows")
	}
	dir := t.TempDir()
	cert := filepath.Join(dir, "a.crt")
	key := filepath.Join(dir, "a.key")
	if err := WriteFiles(File{Path: cert, Data: []byte("one")}, File{Path: key, Data: []byte("k"), Mode: 0o600, NoReplace: true}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(key); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key mode %v", fi.Mode())
	}
	if fi, _ := os.Stat(cert); fi.Mode().Perm() != 0o644 {
		t.Fatalf("cert mode %v", fi.Mode())
	}
	// A certificate is replaced whole; a key never.
	if err := WriteFiles(File{Path: cert, Data: []byte("two")}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(cert); string(b) != "two" {
		t.Fatalf("cert = %q", b)
	}
	if err := WriteFiles(File{Path: key, Data: []byte("other"), NoReplace: true}); !errors.Is(err, ErrExists) {
		t.Fatalf("key overwrite: %v", err)
	}
	if b, _ := os.ReadFile(key); string(b) != "k" {
		t.Fatalf("key = %q", b)
	}
	// Devices, symlinks and directories are refused, and left alone.
	link := filepath.Join(dir, "link")
	if err := os.Symlink(cert, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/dev/null", link, dir} {
		if err := WriteFiles(File{Path: p, Data: []byte("x")}); !errors.Is(err, ErrNotRegular) {
			t.Fatalf("%s: %v", p, err)
		}
	}
	if fi, err := os.Lstat("/dev/null"); err != nil || fi.Mode()&os.ModeDevice == 0 {
		t.Fatal("/dev/null is no longer a device")
	}
	// No temp files are left behind.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Fatalf("left %s", e.Name())
		}
	}
}
