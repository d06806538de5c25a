package store

import (
	"errors"
	"fmt"
	"io"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/place"
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
	var n int64
	err := place.WriteStream(place.File{Path: path, Mode: 0o600, NoReplace: true}, func(w io.Writer) error {
		var err error
		n, err = b.Backup(w)
		return err
	})
	if err != nil {
		return 0, backupErr(path, err)
	}
	return n, nil
}

func backupErr(path string, err error) error {
	if errors.Is(err, place.ErrExists) || errors.Is(err, place.ErrNotRegular) {
		return fmt.Errorf("%w: %w", ErrBackupTarget, err) // checked before the copy starts
	}
	return fmt.Errorf("store: backup to %s: %w", path, err)
}
