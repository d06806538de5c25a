package store

import (
	"errors"
	"os"
	"time"

	berrors "go.etcd.io/bbolt/errors"
	"golang.org/x/sys/windows"
)

// lockFile takes a lock on the store's file before bbolt reads it, waiting
// up to timeout (berrors.ErrTimeout after that): LockFileEx, shared or
// exclusive, on the byte just below the one bbolt locks (the last byte of
// the 64-bit range). Windows' locks are not re-entrant, so this one must
// not be bbolt's: bbolt's own lock on the same handle then succeeds, since
// every other ca process waits here first. Both go with the handle.
func lockFile(f *os.File, exclusive bool, timeout time.Duration) error {
	flags := uint32(windows.LOCKFILE_FAIL_IMMEDIATELY)
	if exclusive {
		flags |= windows.LOCKFILE_EXCLUSIVE_LOCK
	}
	const last = 1<<32 - 1
	deadline := time.Now().Add(timeout)
	for {
		err := windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, &windows.Overlapped{Offset: last - 1, OffsetHigh: last})
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, windows.ERROR_LOCK_VIOLATION):
			return err
		case time.Now().After(deadline):
			return berrors.ErrTimeout
		}
		time.Sleep(min(50*time.Millisecond, time.Until(deadline)+time.Millisecond))
	}
}

// openNonblock is 0 on Windows: no FIFO there waits for a writer at open.
const openNonblock = 0
