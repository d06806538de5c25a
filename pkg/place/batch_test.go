package place

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
			// a key that was placed: its certificate and chain were before it
			base := strings.TrimSuffix(f.Path, ".key")
			for _, other := range []string{base + ".crt", base + ".chain.pem"} {
				if _, err := os.Stat(other); err != nil {
					t.Errorf("%s was placed before %s: %v", f.Path, other, err)
				}
			}
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

// TestBatchModes: whichever way the files wait, nothing is seen in the
// directory before Place (not even a temp file, where O_TMPFILE is at
// hand), every file has its data and mode after it, a certificate replaces
// the one there, a key never does, and Close leaves no temp file.
func TestBatchModes(t *testing.T) {
	batchModes(t, func(t *testing.T) {
		dir := t.TempDir()
		old := filepath.Join(dir, "old.crt")
		oldKey := filepath.Join(dir, "old.key")
		os.WriteFile(old, []byte("old crt"), 0o644)
		os.WriteFile(oldKey, []byte("old key"), 0o600)
		var files []File
		for i := range 30 { // more than syncEachMax: synced with syncfs
			base := filepath.Join(dir, fmt.Sprintf("dev-%02d", i))
			files = append(files,
				File{Path: base + ".key", Data: []byte("key " + base), Mode: 0o600, NoReplace: true, Set: i},
				File{Path: base + ".crt", Data: []byte("crt " + base), Set: i})
		}
		files = append(files, File{Path: old, Data: []byte("new crt"), Set: 30},
			File{Path: oldKey, Data: []byte("new key"), Mode: 0o600, NoReplace: true, Set: 31})
		b := NewBatch(files...)
		if err := b.Write(); err != nil {
			t.Fatal(err)
		}
		if tmpfileUsable() {
			if entries, _ := os.ReadDir(dir); len(entries) != 2 {
				t.Errorf("%d entries before Place, want the 2 there before: %v", len(entries), entries)
			}
		}
		err := b.Place()
		b.Close()
		if !errors.Is(err, ErrExists) {
			t.Fatalf("err = %v, want ErrExists for old.key", err)
		}
		for i, f := range files[:60] {
			data, err := os.ReadFile(f.Path)
			if err != nil || string(data) != string(f.Data) {
				t.Fatalf("%s: %q, %v", f.Path, data, err)
			}
			fi, _ := os.Stat(f.Path)
			if want := map[bool]os.FileMode{true: 0o600, false: 0o644}[f.NoReplace]; fi.Mode().Perm()&^want != 0 {
				t.Errorf("%s has mode %v, want at most %v", f.Path, fi.Mode().Perm(), want)
			}
			if b.SetErr(f.Set) != nil {
				t.Errorf("file %d: SetErr = %v", i, b.SetErr(f.Set))
			}
		}
		if data, _ := os.ReadFile(old); string(data) != "new crt" {
			t.Errorf("old.crt = %q, want it replaced", data)
		}
		if data, _ := os.ReadFile(oldKey); string(data) != "old key" {
			t.Errorf("old.key = %q, want it kept", data)
		}
		if !errors.Is(b.SetErr(31), ErrExists) {
			t.Errorf("SetErr(31) = %v, want ErrExists", b.SetErr(31))
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 62 {
			t.Errorf("%d entries, want 62 (temp files left?)", len(entries))
		}
	})
}

// TestWriteStream: a streamed file (a backup) waits as a nameless inode
// where O_TMPFILE is at hand, so that a process killed while it copies
// leaves nothing behind; it has its data and mode once written.
func TestWriteStream(t *testing.T) {
	batchModes(t, func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "backup.db")
		data := bytes.Repeat([]byte("store page "), 100_000)
		err := WriteStream(File{Path: path, Mode: 0o600, NoReplace: true}, func(w io.Writer) error {
			if _, err := w.Write(data[:len(data)/2]); err != nil {
				return err
			}
			if entries, _ := os.ReadDir(dir); tmpfileUsable() && len(entries) != 0 {
				t.Errorf("while the stream is written, the directory holds %v; want nothing", entries)
			}
			_, err := w.Write(data[len(data)/2:])
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("backup.db: %d bytes, %v; want %d", len(got), err, len(data))
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", fi.Mode().Perm())
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("entries %v, want backup.db alone", entries)
		}
	})
}

// TestBatchSets: a file that cannot be written keeps every file of its Set
// from its place, and only those; Skip does the same without an error; a
// Batch closed before Place leaves nothing.
func TestBatchSets(t *testing.T) {
	batchModes(t, func(t *testing.T) {
		dir := t.TempDir()
		f := func(name string, set int, key bool) File {
			return File{Path: filepath.Join(dir, name), Data: []byte(name), NoReplace: key, Mode: map[bool]os.FileMode{true: 0o600}[key], Set: set}
		}
		b := NewBatch(
			f("a.crt", 0, false), f("a.key", 0, true),
			f("b.crt", 1, false), File{Path: filepath.Join(dir, "missing", "b.chain.pem"), Data: []byte("x"), Set: 1}, f("b.key", 1, true),
			f("c.crt", 2, false), f("c.key", 2, true),
		)
		if err := b.Write(); err == nil {
			t.Fatal("Write into a missing directory did not fail")
		}
		b.Skip(2)
		b.Place()
		b.Close()
		for name, want := range map[string]bool{"a.crt": true, "a.key": true, "b.crt": false, "b.key": false, "c.crt": false, "c.key": false} {
			if _, err := os.Stat(filepath.Join(dir, name)); (err == nil) != want {
				t.Errorf("%s exists: %v, want %v", name, err == nil, want)
			}
		}
		if b.SetErr(0) != nil || b.SetErr(2) != nil || !errors.Is(b.SetErr(1), fs.ErrNotExist) {
			t.Errorf("SetErr = %v, %v, %v; want nil, ErrNotExist, nil", b.SetErr(0), b.SetErr(1), b.SetErr(2))
		}

		closed := NewBatch(f("d.crt", 0, false), f("d.key", 0, true))
		if err := closed.Write(); err != nil {
			t.Fatal(err)
		}
		closed.Close()
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "d.") || strings.Contains(e.Name(), ".tmp") {
				t.Errorf("%s left by a Batch closed before Place", e.Name())
			}
		}
	})
}

// TestBatchKeyTakenMeanwhile: a key that another process placed after the
// caller's check (between Write and Place) keeps the certificate it came
// with: no file of the Set is placed, and SetErr says the key exists.
func TestBatchKeyTakenMeanwhile(t *testing.T) {
	batchModes(t, func(t *testing.T) {
		dir := t.TempDir()
		path := func(name string) string { return filepath.Join(dir, name) }
		b := NewBatch(
			File{Path: path("a.crt"), Data: []byte("ours"), Set: 0},
			File{Path: path("a.chain.pem"), Data: []byte("ours"), Set: 0},
			File{Path: path("a.key"), Data: []byte("ours"), NoReplace: true, Mode: 0o600, Set: 0},
			File{Path: path("b.crt"), Data: []byte("ours"), Set: 1},
			File{Path: path("b.key"), Data: []byte("ours"), NoReplace: true, Mode: 0o600, Set: 1},
		)
		defer b.Close()
		if err := b.Write(); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"a.crt", "a.chain.pem", "a.key"} {
			if err := os.WriteFile(path(name), []byte("theirs"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Place(); !errors.Is(err, ErrExists) {
			t.Errorf("Place = %v, want ErrExists", err)
		}
		if err := b.SetErr(0); !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "a.key") {
			t.Errorf("SetErr(0) = %v, want ErrExists for a.key", err)
		}
		for name, want := range map[string]string{"a.crt": "theirs", "a.chain.pem": "theirs", "a.key": "theirs", "b.crt": "ours", "b.key": "ours"} {
			if got, err := os.ReadFile(path(name)); err != nil || string(got) != want {
				t.Errorf("%s = %q, %v; want %q", name, got, err, want)
			}
		}
	})
}

// TestRenameNoReplace: a file or a directory is renamed where nothing is,
// and never over what is there, with the system's own no-replace rename
// (on Linux also without it: rename_linux_test.go).
func TestRenameNoReplace(t *testing.T) { checkRenameNoReplace(t) }

func checkRenameNoReplace(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	os.WriteFile(path("a"), []byte("a"), 0o600)
	os.WriteFile(path("taken"), []byte("taken"), 0o600)
	os.Mkdir(path("d"), 0o700)
	os.Mkdir(path("takendir"), 0o700)
	if err := RenameNoReplace(path("a"), path("taken")); !errors.Is(err, fs.ErrExist) {
		t.Errorf("file over a file: %v, want ErrExist", err)
	}
	if err := RenameNoReplace(path("d"), path("takendir")); !errors.Is(err, fs.ErrExist) {
		t.Errorf("directory over a directory: %v, want ErrExist", err)
	}
	if err := RenameNoReplace(path("a"), path("b")); err != nil {
		t.Errorf("file: %v", err)
	}
	if err := RenameNoReplace(path("d"), path("e")); err != nil {
		t.Errorf("directory: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "b e taken takendir" {
		t.Errorf("entries %q, want \"b e taken takendir\"", got)
	}
	if data, _ := os.ReadFile(path("taken")); string(data) != "taken" {
		t.Errorf("taken = %q", data)
	}
}
