package store

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// fileOpener is the file fileOpener Open gives bbolt: it opens the file, takes
// bbolt's lock and checks the file (checkFile) before bbolt reads a byte
// of it. Without Create a missing file stays missing and an empty one
// empty.
type fileOpener struct {
	exclusive, create bool
	timeout           time.Duration
	file              *os.File // the file opened, for the pre-write check
}

func (o *fileOpener) open(name string, flag int, perm os.FileMode) (*os.File, error) {
	if !o.create {
		flag &^= os.O_CREATE
	}
	// Without blocking: a FIFO swapped in since Open's Stat does not
	// wait for a writer (O_NONBLOCK changes nothing for a file).
	f, err := os.OpenFile(name, flag|openNonblock, perm)
	if err != nil {
		return nil, err
	}
	if err := o.check(f); err != nil {
		f.Close()
		return nil, err
	}
	o.file = f
	return f, nil
}

func (o *fileOpener) check(f *os.File) error {
	if err := lockFile(f, o.exclusive, o.timeout); err != nil {
		return err
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
		return err
	case !fi.Mode().IsRegular():
		return notRegular(f.Name(), fi.Mode())
	case fi.Size() == 0 && o.create:
		return nil // bbolt lays out a new file
	case fi.Size() == 0:
		return errEmptyFile
	}
	return checkFile(f, fi.Size(), fi.Size() <= fullCheckMax)
}

// openError is what Open reports for bbolt.Open's error.
func openError(path string, timeout time.Duration, err error) error {
	var de *damageError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotRegular):
		return err
	case errors.Is(err, berrors.ErrTimeout):
		return fmt.Errorf("%w: the store %s is in use by another ca process; retry, or raise --lock-timeout (waited %s)", ErrLocked, path, timeout)
	case errors.Is(err, errEmptyFile):
		return fmt.Errorf("%w: %s is empty (0 bytes), not a ca store; %s", ErrCorrupt, path, restoreIt)
	case errors.As(err, &de):
		return fmt.Errorf("%w: %s is damaged (%s); %s", ErrCorrupt, path, de.msg, restoreIt)
	case errors.Is(err, ErrCorrupt):
		return err
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
		return fmt.Errorf("store: open %s: %w (%w: not a ca store, or a damaged one); %s", path, err, ErrCorrupt, restoreIt)
	}
	return fmt.Errorf("store: open %s: %w", path, err)
}

// restoreIt is what every message about a damaged store ends with.
const restoreIt = "restore it from a backup (see docs/operations.md)"

// recoverDamage runs fn, turning a panic of bbolt on a damaged file (it
// asserts page ids and flags as it reads them) or a fault reading its
// memory map into an error wrapping ErrCorrupt: a damaged store is
// reported, never a crash. SetPanicOnFault is per goroutine: every
// method of Bolt that reads the store runs in recoverDamage, in the
// goroutine that calls it.
func recoverDamage(path string, fn func() error) (err error) {
	// A page past the end of a truncated file faults (SIGBUS) instead.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s is damaged (%v); %s", ErrCorrupt, path, r, restoreIt)
		}
	}()
	return fn()
}

// errRestoreSaid marks an error that already says to restore the store.
var errRestoreSaid = errors.New("store: restore said")

// damagedStoreError is a record that does not decode or disagrees, with
// what to do about it.
type damagedStoreError struct {
	err  error
	path string
}

func (e *damagedStoreError) Error() string {
	return fmt.Sprintf("%v: %s is damaged; %s", e.err, e.path, restoreIt)
}
func (e *damagedStoreError) Unwrap() []error { return []error{e.err, errRestoreSaid} }

// preWriteCheck is the check before every write transaction: both meta
// pages are whole and agree with each other and with the file's size.
// Open checked the whole file; this catches a change behind the
// toolkit's back since, which bbolt would otherwise write over. It
// returns the file's size.
func (b *Bolt) preWriteCheck() (int64, error) {
	fi, err := b.file.Stat()
	if err != nil {
		return 0, fmt.Errorf("store: %w", err)
	}
	if _, err := readMetas(b.file, fi.Size()); err != nil {
		return 0, fmt.Errorf("%w: %s is damaged (%v); nothing was written; %s", ErrCorrupt, b.path, err, restoreIt)
	}
	return fi.Size(), nil
}

// maxSize bounds the file's size for a write of payload bytes into a file
// of size bytes: room for the payload several times over and for a copy
// of every page (bbolt copies each page it changes), rounded up as bbolt
// grows its file (doubling it up to 16 MiB, then 16 MiB more at a time).
// A damaged length that would make bbolt write more fails the write
// instead (bbolt's ErrMaxSizeReached) and the file does not grow.
func maxSize(size int64, payload int) int {
	need := 2*size + 8*int64(payload) + 256<<10
	if need > 16<<20 {
		return int(need + 16<<20)
	}
	p := int64(32 << 10)
	for p < need {
		p <<= 1
	}
	return int(p)
}

// checkFile runs checkFile on the store's file, reading every page.
func (b *Bolt) checkFile() error {
	fi, err := b.file.Stat()
	if err != nil {
		return err
	}
	if err := checkFile(b.file, fi.Size(), true); err != nil {
		return fmt.Errorf("%s is damaged (%v); %s", b.path, err, restoreIt)
	}
	return nil
}

// keyCount counts the keys of bucket b with a cursor. bbolt's Stats would
// also open every element flagged as a bucket and walk its pages: in a
// file Open checked lightly, a damaged flag would send it into pages no
// check has read.
func keyCount(b *bolt.Bucket) int {
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}
