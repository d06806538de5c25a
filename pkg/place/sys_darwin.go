package place

import (
	"errors"

	"golang.org/x/sys/unix"
)

// macOS: fsync hands the data to the drive but does not flush the drive's
// cache; F_FULLFSYNC does, and is what makes a file durable. Where the
// file system refuses it (some network file systems), fsync is the best
// there is. The no-replace rename is renameatx_np with RENAME_EXCL (APFS,
// HFS+); elsewhere link and unlink.

func fsync(fd int) error {
	_, err := unix.FcntlInt(uintptr(fd), unix.F_FULLFSYNC, 0)
	if errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EINVAL) {
		return unix.Fsync(fd)
	}
	return err
}

func renameExcl(olddfd int, oldname string, newdfd int, newname string) error {
	err := unix.RenameatxNp(olddfd, oldname, newdfd, newname, unix.RENAME_EXCL)
	if errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		return errNoRenameExcl
	}
	return err
}
