package pem

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

var (
	// ErrKeyPermissions is returned for a key file readable by group or others.
	ErrKeyPermissions = errors.New("pem: key file is readable by group or others")
	// ErrNotRegularInput is returned by OpenRegular (and ReadKeyFile) for an
	// input that is a FIFO, a device, a directory or a socket, or a symlink
	// to one: a file that could block a read or never end.
	ErrNotRegularInput = errors.New("pem: not a regular file")
)

// ReadKeyFile reads a private key file, refusing one that is not a regular
// file (ErrNotRegularInput, without waiting on a FIFO), one that group or
// others can read (ErrKeyPermissions; on Unix only: see keyfile_windows.go)
// or one over MaxSize.
func ReadKeyFile(path string) ([]byte, error) {
	f, fi, err := OpenRegular(path)
	if errors.Is(err, ErrNotRegularInput) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("pem: read key: %w", err)
	}
	defer f.Close()
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

// OpenRegular opens path for reading when it is a regular file (a symlink
// to one is followed) and returns ErrNotRegularInput, naming the path and
// what it is, for anything else, without waiting: it looks before it opens,
// opens without blocking (a FIFO swapped in meanwhile does not wait for a
// writer) and checks the opened file again. A read from the returned file
// never waits on another process.
func OpenRegular(path string) (*os.File, fs.FileInfo, error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, nil, notRegularInput(path, fi.Mode())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, notRegularInput(path, fi.Mode())
	}
	return f, fi, nil
}

func notRegularInput(path string, m fs.FileMode) error {
	return &notRegularError{fmt.Sprintf("pem: %s is a %s, not a regular file (refused: reading it could wait for ever)", path, describeMode(m))}
}

// notRegularError is ErrNotRegularInput with the path in its own words.
type notRegularError struct{ msg string }

func (e *notRegularError) Error() string { return e.msg }
func (e *notRegularError) Unwrap() error { return ErrNotRegularInput }

// describeMode names what a file that is not a regular one is.
func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return "special file"
}
