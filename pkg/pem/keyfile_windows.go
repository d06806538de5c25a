package pem

import "io/fs"

// exposed is false on Windows: a file's mode there says only whether it is
// read-only, nothing of who may read it. What protects a key is the access
// list package place gives it (its owner alone); docs/decisions.md says so.
func exposed(fs.FileInfo) bool { return false }

// othersWrite is false on Windows, for the same reason: no modes to read.
func othersWrite(fs.FileInfo) bool { return false }

// openNonblock is 0 on Windows: no FIFO there waits for a writer at open.
const openNonblock = 0
