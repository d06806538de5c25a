//go:build unix

package store

import (
	"errors"
	"os"
	"syscall"
	"time"

	berrors "go.etcd.io/bbolt/errors"
	"golang.org/x/sys/unix"
)

// lockFile takes the file lock bbolt takes (flock, exclusive or shared),
// waiting up to timeout (berrors.ErrTimeout after that), so that the file
// can be checked before bbolt reads it. bbolt's own flock on the same file
// then succeeds at once: a flock belongs to the open file, and this is it.
func lockFile(f *os.File, exclusive bool, timeout time.Duration) error {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	deadline := time.Now().Add(timeout)
	for {
		err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, unix.EWOULDBLOCK):
			return err
		case time.Now().After(deadline):
			return berrors.ErrTimeout
		}
		time.Sleep(min(50*time.Millisecond, time.Until(deadline)+time.Millisecond))
	}
}

// openNonblock opens without waiting for a writer: a FIFO swapped in since
// Open's Stat does not block (O_NONBLOCK changes nothing for a file).
const openNonblock = syscall.O_NONBLOCK
