package pem

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteBatch(t *testing.T) {
	dir := t.TempDir()
	var files []File
	for i := range 40 {
		base := filepath.Join(dir, fmt.Sprintf("dev-%02d", i))
		files = append(files,
			File{Path: base + ".key", Data: []byte("key " + base), Mode: 0o600, NoReplace: true},
			File{Path: base + ".crt", Data: []byte("crt " + base)},
		)
	}
	if err := WriteBatch(files...); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f.Path)
		if err != nil || string(data) != string(f.Data) {
			t.Fatalf("%s: %q, %v", f.Path, data, err)
		}
		fi, _ := os.Stat(f.Path)
		want := os.FileMode(0o644)
		if f.NoReplace {
			want = 0o600
		}
		if fi.Mode().Perm()&^want != 0 {
			t.Errorf("%s has mode %v, want at most %v", f.Path, fi.Mode().Perm(), want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(files) {
		t.Errorf("%d entries in the directory, want %d (temp files left?)", len(entries), len(files))
	}

	// Certificates may be replaced, keys never: a batch with an existing key
	// fails with ErrExists, leaves that key as it was, and no temp file.
	again := []File{
		{Path: filepath.Join(dir, "dev-00.crt"), Data: []byte("new crt")},
		{Path: filepath.Join(dir, "new.crt"), Data: []byte("crt")},
		{Path: filepath.Join(dir, "new.key"), Data: []byte("key"), Mode: 0o600, NoReplace: true},
		{Path: filepath.Join(dir, "dev-00.key"), Data: []byte("new key"), Mode: 0o600, NoReplace: true},
	}
	if err := WriteBatch(again...); !errors.Is(err, ErrExists) {
		t.Fatalf("err = %v, want ErrExists", err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "dev-00.key")); string(data) != string(files[0].Data) {
		t.Errorf("the existing key was replaced: %q", data)
	}
	entries, _ = os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temp file %s left", e.Name())
		}
	}

	// A directory where a file should go is refused.
	os.Mkdir(filepath.Join(dir, "d.crt"), 0o755)
	if err := WriteBatch(File{Path: filepath.Join(dir, "d.crt"), Data: []byte("x")}, File{Path: filepath.Join(dir, "e.crt")}); !errors.Is(err, ErrNotRegular) {
		t.Errorf("err = %v, want ErrNotRegular", err)
	}
}

// TestWriteBatchKeysLast checks the order of placement: the NoReplace
// files (keys) are placed only after every other file of the batch. A key
// whose path is also that of a certificate of the same batch passes the
// checks, and its link then fails: by then every certificate is in place,
// and no key is.
func TestWriteBatchKeysLast(t *testing.T) {
	dir := t.TempDir()
	var files []File
	for i := range 20 {
		base := filepath.Join(dir, fmt.Sprintf("n%02d", i))
		files = append(files, File{Path: base + ".key", Data: []byte("k"), Mode: 0o600, NoReplace: true},
			File{Path: base + ".crt", Data: []byte("c")}, File{Path: base + ".chain.pem", Data: []byte("cc")})
	}
	// listed first, placed last: it collides with n19.crt
	files = append([]File{{Path: filepath.Join(dir, "n19.crt"), Data: []byte("k"), Mode: 0o600, NoReplace: true}}, files...)
	if err := WriteBatch(files...); !errors.Is(err, ErrExists) {
		t.Fatalf("err = %v, want ErrExists", err)
	}
	for _, f := range files[1:] {
		_, err := os.Stat(f.Path)
		if f.NoReplace && err == nil {
			// keys are placed in parallel: only those before the failing
			// one may exist, and then their certificates do too (checked below)
			continue
		}
		if !f.NoReplace && err != nil {
			t.Errorf("%s was not placed before the keys: %v", f.Path, err)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "n19.crt")); string(data) != "c" {
		t.Errorf("n19.crt = %q, want the certificate", data)
	}
}
