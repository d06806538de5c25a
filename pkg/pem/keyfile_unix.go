//go:build !windows

package pem

import "io/fs"

// exposed reports whether group or others may read the key file.
func exposed(fi fs.FileInfo) bool { return fi.Mode().Perm()&0o077 != 0 }

// othersWrite reports whether group or others may write the file.
func othersWrite(fi fs.FileInfo) bool { return fi.Mode().Perm()&0o022 != 0 }
