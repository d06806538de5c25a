//go:build !windows

package pem

import "io/fs"

// exposed reports whether group or others may read the key file.
func exposed(fi fs.FileInfo) bool { return fi.Mode().Perm()&0o077 != 0 }
