//go:build !windows

package pem

import (
	"io/fs"
	"syscall"
)

// exposed reports whether group or others may read the key file.
func exposed(fi fs.FileInfo) bool { return fi.Mode().Perm()&0o077 != 0 }

// othersWrite reports whether group or others may write the file.
func othersWrite(fi fs.FileInfo) bool { return fi.Mode().Perm()&0o022 != 0 }

// openNonblock opens a FIFO swapped in after the look without waiting for
// a writer (OpenRegular).
const openNonblock = syscall.O_NONBLOCK
