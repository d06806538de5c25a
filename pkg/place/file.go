package place

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

var (
	// ErrExists is returned when a file that must be new already exists.
	ErrExists = errors.New("place: file already exists")
	// ErrNotRegular is returned for an output path that names a directory,
	// a device, a symlink or anything else that is not a regular file.
	ErrNotRegular = errors.New("place: not a regular file")
)

// File is one file for WriteFiles or a Batch.
type File struct {
	Path string
	Data []byte
	// Mode is the file's permission bits (0 means 0644), given at creation
	// so that the umask can only narrow them. Windows has no such modes: a
	// file whose Mode gives nothing to group and others (a key, 0600) is
	// created there with an access list that lets only its owner in.
	Mode      fs.FileMode
	NoReplace bool // fail with ErrExists rather than replace an existing file (keys)
	// Check, for a file that may replace another, says whether the file at
	// its path may be replaced (an --out only over an artefact of its
	// kind: pem.Kind's Check); it runs before the file is written
	// (WriteFiles, CheckFile) and again just before it is placed (a Batch's
	// Place). nil replaces any regular file.
	Check func(path string) error
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
		return fmt.Errorf("place: check %s: %w", path, err)
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

// CheckFile checks the path of f before it is written: CheckWritable, then
// f.Check for a file that may replace another and has one.
func CheckFile(f File) error {
	if err := CheckWritable(f.Path, f.NoReplace); err != nil || f.Check == nil || f.NoReplace {
		return err
	}
	return f.Check(f.Path)
}

// WriteStream writes one file as WriteFiles does, its content written by
// fill (a backup too large to hold in memory). Data of f is ignored.
func WriteStream(f File, fill func(io.Writer) error) error {
	if err := CheckFile(f); err != nil {
		return err
	}
	f.fill = fill
	return WriteBatch(f)
}

// SyncDir syncs a directory, making the names created or removed in it
// durable (on Windows, where a directory cannot be synced, it only checks
// that dir is there: a rename there is made durable by the rename itself).
func SyncDir(dir string) error {
	d, err := openDir(dir)
	if err != nil {
		return fmt.Errorf("place: sync %s: %w", dir, err)
	}
	defer d.close()
	if err := d.sync(); err != nil {
		return fmt.Errorf("place: sync %s: %w", dir, err)
	}
	return nil
}
