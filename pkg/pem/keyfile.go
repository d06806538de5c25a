package pem

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrKeyPermissions is returned for a key file readable by group or others.
var ErrKeyPermissions = errors.New("pem: key file is readable by group or others")

// ReadKeyFile reads a private key file, refusing one that group or others can
// read (ErrKeyPermissions; on Unix only: see keyfile_windows.go) or one over
// MaxSize.
func ReadKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pem: read key: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("pem: read key: %w", err)
	}
	if exposed(fi) {
		return nil, fmt.Errorf("%w: %s has mode %04o; run chmod 600 %s", ErrKeyPermissions, path, fi.Mode().Perm(), path)
	}
	return ReadAll(f, MaxSize)
}

// WritableByOthers reports whether group or others may write the file or
// directory at path (not following a final symlink), with its permission
// bits; false when it cannot be read, and on Windows, whose modes say
// nothing of who may write (see keyfile_windows.go). A home or store others
// can write is one they can replace (ssh refuses such key files for the
// same reason).
func WritableByOthers(path string) (fs.FileMode, bool) {
	fi, err := os.Lstat(path)
	if err != nil {
		return 0, false
	}
	return fi.Mode().Perm(), othersWrite(fi)
}
