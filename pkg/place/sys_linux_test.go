package place

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// batchModes runs fn with each way a Batch can hold its files before
// placing them: O_TMPFILE inodes linked with AT_EMPTY_PATH, the same linked
// through /proc/self/fd, and named temp files (a file system without
// O_TMPFILE).
func batchModes(t *testing.T, fn func(t *testing.T)) {
	if !tmpfileUsable() {
		t.Log("no /proc here: only named temp files are tested")
	}
	restore := func() {
		linkViaProc.Store(false)
		tmpfileUsable = sync.OnceValue(procFDs)
	}
	defer restore()
	t.Run("tmpfile", fn)
	linkViaProc.Store(true)
	t.Run("tmpfile via proc", fn)
	linkViaProc.Store(false)
	tmpfileUsable = func() bool { return false }
	t.Run("named temp", fn)
}

// TestRenameNoReplaceWithout: on a file system without RENAME_NOREPLACE
// (NFS answers EINVAL) a file is linked and a directory renamed after a
// look, never over what is there.
func TestRenameNoReplaceWithout(t *testing.T) {
	renameat2 = func(int, string, int, string, uint) error { return unix.EINVAL }
	defer func() { renameat2 = unix.Renameat2 }()
	checkRenameNoReplace(t)
}

// TestBatchDescriptorBudget: a batch that would take the O_TMPFILE inodes
// held open over the budget waits in named temp files instead, and Close
// gives back what a batch reserved.
func TestBatchDescriptorBudget(t *testing.T) {
	if !tmpfileUsable() {
		t.Skip("no O_TMPFILE here")
	}
	dir := t.TempDir()
	small := NewBatch(File{Path: filepath.Join(dir, "a.crt"), Data: []byte("a")})
	if err := small.Write(); err != nil {
		t.Fatal(err)
	}
	held := anonInUse.Load()
	if held < 1 {
		t.Fatalf("%d descriptors reserved by a batch of one O_TMPFILE", held)
	}
	anonInUse.Add(anonMax() - held) // the budget is used up
	big := NewBatch(File{Path: filepath.Join(dir, "b.crt"), Data: []byte("b")})
	if err := big.Write(); err != nil {
		t.Fatal(err)
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, ".b.crt.tmp*")); len(tmps) != 1 {
		t.Errorf("over the budget: temp files %v, want one named temp", tmps)
	}
	anonInUse.Add(held - anonMax())
	for _, b := range []*Batch{small, big} {
		if err := b.Place(); err != nil {
			t.Fatal(err)
		}
		b.Close()
	}
	if n := anonInUse.Load(); n != 0 {
		t.Errorf("%d descriptors still reserved after Close", n)
	}
	for _, name := range []string{"a.crt", "b.crt"} {
		if data, err := os.ReadFile(filepath.Join(dir, name)); err != nil || len(data) != 1 {
			t.Errorf("%s: %q, %v", name, data, err)
		}
	}
}
