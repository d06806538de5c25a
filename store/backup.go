package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// ErrBackupTarget is returned by BackupFile for a target that exists, or
// that names a directory, a device or a symlink: a backup never replaces
// anything. It matches ca.ErrExists too.
var ErrBackupTarget error = &existsError{"store: backup target exists"}

type existsError struct{ msg string }

func (e *existsError) Error() string        { return e.msg }
func (e *existsError) Is(target error) bool { return target == ca.ErrExists }

// BackupFile writes a consistent copy of the store to path (mode 0600) while
// other readers go on and writers wait as for any other command: the copy
// streams from one read transaction into a temp file in path's directory,
// which is synced and then linked to path, so path appears whole or not at
// all, and an existing path (of any kind) is never replaced
// (ErrBackupTarget). It returns the size of the copy.
func (b *Bolt) BackupFile(path string) (int64, error) {
	if err := CheckBackupTarget(path); err != nil {
		return 0, err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	fail := func(err error) (int64, error) {
		tmp.Close()
		return 0, fmt.Errorf("store: backup to %s: %w", path, err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		return fail(err)
	}
	n, err := b.Backup(tmp)
	if err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return 0, fmt.Errorf("store: backup to %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return 0, fmt.Errorf("%w: %s appeared while the backup was written; name a new file", ErrBackupTarget, path)
		}
		return 0, fmt.Errorf("store: backup to %s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return n, fmt.Errorf("store: backup: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return n, fmt.Errorf("store: backup: sync %s: %w", dir, err)
	}
	return n, nil
}

// CheckBackupTarget returns ErrBackupTarget when path exists, whatever it
// is; commands call it before waiting for the store.
func CheckBackupTarget(path string) error {
	fi, err := os.Lstat(path)
	if err == nil {
		return fmt.Errorf("%w: %s is a %s; name a new file (a backup never replaces one)", ErrBackupTarget, path, kindOf(fi.Mode()))
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
}

func kindOf(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "file that exists"
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}
