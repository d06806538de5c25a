package place

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// tempMark is what a hidden temp file's name carries between the target's
// name and its random part: ".NAME.tmpXXXX".
const tempMark = ".tmp"

// staleAfter is how old a hidden temp file must be before a later run
// removes it: a Batch holds one for the seconds between Write and Place,
// a stream (a backup) for as long as it copies; an hour-old one is left by
// a process that died (where there is no O_TMPFILE, as on macOS, FreeBSD
// and Windows, or on a file system without it).
const staleAfter = time.Hour

// swept records the directories this process has swept.
var swept sync.Map

// sweepOnce removes from dir, the first time this process stages a named
// temp file there, the hidden temp files older than staleAfter that a
// process killed between Write and Place left. Errors are ignored: a
// temp file that cannot be removed now is tried again by the next run.
func sweepOnce(dir string) {
	if _, done := swept.LoadOrStore(dir, true); done {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !isTempName(e.Name()) {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleAfter {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// isTempName reports whether name is one tempName makes: ".NAME.tmpXXXX",
// XXXX lower-case base 36.
func isTempName(name string) bool {
	i := strings.LastIndex(name, tempMark)
	if !strings.HasPrefix(name, ".") || i < 2 || i+len(tempMark) == len(name) {
		return false
	}
	for _, c := range name[i+len(tempMark):] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}
