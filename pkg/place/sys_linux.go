package place

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Linux: O_TMPFILE inodes linked into place (nothing to clean after a
// crash), one syncfs per file system for a large batch, renameat2 with
// RENAME_NOREPLACE, fsync for a file and a directory.

// haveSyncFS: a large batch is synced with one syncfs per file system.
const haveSyncFS = true

func fsync(fd int) error { return unix.Fsync(fd) }

// syncFS syncs the file systems of dirs, each once.
func syncFS(dirs map[string]*dir) error {
	synced := map[uint64]bool{}
	for path, d := range dirs {
		var st unix.Stat_t
		if d == nil || unix.Fstat(d.fd, &st) == nil && synced[st.Dev] {
			continue
		}
		synced[st.Dev] = true
		if err := unix.Syncfs(d.fd); err != nil {
			return fmt.Errorf("place: sync %s: %w", path, err)
		}
	}
	return nil
}

// renameat2 is unix.Renameat2; a variable, so that tests can take the path
// of a file system without RENAME_NOREPLACE.
var renameat2 = unix.Renameat2

func renameExcl(olddfd int, oldname string, newdfd int, newname string) error {
	err := renameat2(olddfd, oldname, newdfd, newname, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EOPNOTSUPP) {
		return errNoRenameExcl
	}
	return err
}

// createAnon opens an O_TMPFILE inode in d, or errNoTmpfile where the
// file system has none.
func (d *dir) createAnon(t *temp, mode fs.FileMode) error {
	fd, err := unix.Openat(d.fd, ".", unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, uint32(mode))
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EINVAL) {
		return errNoTmpfile
	}
	if err != nil {
		return err
	}
	t.fd, t.anon = fd, true
	return nil
}

// linkAnon gives the O_TMPFILE inode of t the name base in d. A file that
// may be replaced is linked in (or, over an existing file, linked under a
// temp name and renamed over it); a NoReplace file is linked, which never
// replaces.
func (d *dir) linkAnon(t *temp, base string, noReplace bool) error {
	err := linkFD(t.fd, d.fd, base)
	if errors.Is(err, unix.EEXIST) && !noReplace {
		name := tempName(base)
		if err = linkFD(t.fd, d.fd, name); err == nil {
			if err = unix.Renameat(d.fd, name, d.fd, base); err != nil {
				unix.Unlinkat(d.fd, name, 0)
			}
		}
	}
	if err == nil {
		t.close()
	}
	return err
}

// linkFD gives the O_TMPFILE inode fd the name base in the directory dfd:
// linkat with AT_EMPTY_PATH, or, where that needs a capability the process
// lacks (before Linux 6.10), through /proc/self/fd.
func linkFD(fd, dfd int, base string) error {
	if !linkViaProc.Load() {
		err := unix.Linkat(fd, "", dfd, base, unix.AT_EMPTY_PATH)
		if err != unix.ENOENT && err != unix.EPERM {
			return err
		}
	}
	err := unix.Linkat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(fd), dfd, base, unix.AT_SYMLINK_FOLLOW)
	if err == nil {
		linkViaProc.Store(true)
	}
	return err
}

// linkViaProc is set once a link through /proc worked where AT_EMPTY_PATH did not.
var linkViaProc atomic.Bool

// tmpfileUsable reports whether O_TMPFILE inodes can be linked here; a
// variable, so that tests can take the named-temp path.
var tmpfileUsable = sync.OnceValue(procFDs)

// procFDs reports whether /proc/self/fd is there (linkFD may need it).
func procFDs() bool {
	_, err := os.Stat("/proc/self/fd")
	return err == nil
}

// anonMax is how many O_TMPFILE inodes the batches of a process may hold
// open at once (each one is a descriptor until it is placed): half the
// process's descriptor limit. A batch that would go over it uses named temp
// files.
var anonMax = sync.OnceValue(func() int64 {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<20 {
		return 1 << 19
	}
	return int64(lim.Cur / 2)
})

// anonInUse counts the descriptors the open batches have reserved.
var anonInUse atomic.Int64

// reserveAnon reserves n descriptors for O_TMPFILE inodes, if there is room.
func reserveAnon(n int) bool {
	for {
		cur := anonInUse.Load()
		if cur+int64(n) > anonMax() {
			return false
		}
		if anonInUse.CompareAndSwap(cur, cur+int64(n)) {
			return true
		}
	}
}

// releaseAnon gives back n descriptors reserveAnon reserved.
func releaseAnon(n int) { anonInUse.Add(-int64(n)) }
