package pem

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

var (
	// ErrExists is returned when a file that must be new already exists.
	ErrExists = errors.New("pem: file already exists")
	// ErrNotRegular is returned for an output path that names a directory,
	// a device, a symlink or anything else that is not a regular file.
	ErrNotRegular = errors.New("pem: not a regular file")
	// ErrKeyPermissions is returned for a key file readable by group or others.
	ErrKeyPermissions = errors.New("pem: key file is readable by group or others")
	// ErrNotRegularInput is returned by OpenRegular (and ReadKeyFile) for an
	// input that is a FIFO, a device, a directory or a socket, or a symlink
	// to one: a file that could block a read or never end.
	ErrNotRegularInput = errors.New("pem: not a regular file")
)

// File is one file for WriteFiles.
type File struct {
	Path      string
	Data      []byte
	Mode      fs.FileMode // 0 means 0644
	NoReplace bool        // fail with ErrExists rather than replace an existing file (keys)
	// Kind, for a file that may replace another, is what an existing file
	// must hold to be replaced (CheckReplace); 0 replaces any regular file.
	Kind Kind
	// Set groups the files of one holder in a Batch: none of them is placed
	// when one could not be written, and its NoReplace file (the key) only
	// once the others are placed.
	Set int

	fill func(io.Writer) error // WriteStream's content, written instead of Data
}

// CheckWritable returns ErrExists when noReplace is set and path exists, and
// ErrNotRegular when path exists and is not a regular file. Commands call it
// before doing work whose result they could not write.
func CheckWritable(path string, noReplace bool) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("pem: check %s: %w", path, err)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%w: %s is a %s; name a new file", ErrNotRegular, path, describeMode(fi.Mode()))
	case noReplace:
		return fmt.Errorf("%w: %s (never overwritten; move it away or choose another name)", ErrExists, path)
	}
	return nil
}

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

// WriteFiles checks every path with CheckWritable (a directory, device or
// symlink in the way is ErrNotRegular, an existing NoReplace file
// ErrExists), then writes the files as WriteBatch does: each one
// atomically (a temp file without a name, or a hidden one in the same
// directory, synced, then linked or renamed into place; for NoReplace placed
// without ever replacing a file), keys after the others, each directory
// synced. A reader sees either the old file or the whole new one, never half
// of one. On error the files already placed stay; the others are not created.
func WriteFiles(files ...File) error {
	for _, f := range files {
		if err := CheckFile(f); err != nil {
			return err
		}
	}
	return WriteBatch(files...)
}

// CheckFile checks the path of f before it is written: CheckReplace for a
// file with a Kind that may replace, else CheckWritable.
func CheckFile(f File) error {
	if f.Kind != 0 && !f.NoReplace {
		return CheckReplace(f.Path, f.Kind)
	}
	return CheckWritable(f.Path, f.NoReplace)
}

// WriteStream writes one file as WriteFiles does, its content written by
// fill (a backup too large to hold in memory). Data of f is ignored.
func WriteStream(f File, fill func(io.Writer) error) error {
	if err := CheckWritable(f.Path, f.NoReplace); err != nil {
		return err
	}
	f.fill = fill
	return WriteBatch(f)
}

// SyncDir syncs a directory, making the names created or removed in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("pem: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("pem: sync %s: %w", dir, err)
	}
	return nil
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
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
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

// ReadKeyFile reads a private key file, refusing one that is not a regular
// file (ErrNotRegularInput, without waiting on a FIFO), one that group or
// others can read (ErrKeyPermissions) or one over MaxSize.
func ReadKeyFile(path string) ([]byte, error) {
	f, fi, err := OpenRegular(path)
	if errors.Is(err, ErrNotRegularInput) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("pem: read key: %w", err)
	}
	defer f.Close()
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %04o; run chmod 600 %s", ErrKeyPermissions, path, fi.Mode().Perm(), path)
	}
	return ReadAll(f, MaxSize)
}

// WritableByOthers reports whether group or others may write the file or
// directory at path (not following a final symlink), with its permission
// bits; false when it cannot be read. A home or store others can write is
// one they can replace (ssh refuses such key files for the same reason).
func WritableByOthers(path string) (fs.FileMode, bool) {
	fi, err := os.Lstat(path)
	if err != nil {
		return 0, false
	}
	return fi.Mode().Perm(), fi.Mode().Perm()&0o022 != 0
}
