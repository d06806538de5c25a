package place

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSweep: the first named temp file staged in a directory removes the
// hidden temp files a killed process left there an hour ago or more, and
// nothing else (a fresh one may be another process's, still at work).
func TestSweep(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-2 * staleAfter)
	files := map[string]bool{ // name: removed
		".a.crt.tmp1x9z": true, ".b.key.tmp0": true,
		".c.crt.tmpfresh": false, // too young
		".d.crt.tmpX1":    false, // not a name tempName makes
		"e.crt.tmp1":      false, // not hidden
		".tmp1":           false, // no target name
		"f.crt":           false,
	}
	for name := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if name != ".c.crt.tmpfresh" {
			os.Chtimes(path, old, old)
		}
	}
	sweepOnce(dir)
	for name, removed := range files {
		if _, err := os.Stat(filepath.Join(dir, name)); (err != nil) != removed {
			t.Errorf("%s: removed %v, want %v", name, err != nil, removed)
		}
	}
	// Once a process: a second call leaves a stale file made since.
	late := filepath.Join(dir, ".g.crt.tmp2")
	os.WriteFile(late, nil, 0o600)
	os.Chtimes(late, old, old)
	sweepOnce(dir)
	if _, err := os.Stat(late); err != nil {
		t.Errorf("swept twice: %v", err)
	}
}
