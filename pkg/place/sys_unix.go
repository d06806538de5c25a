//go:build unix

package place

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// dir is an open directory: files are created, linked and renamed relative
// to its descriptor, which is synced once its names change.
type dir struct {
	fd   int
	path string
}

func openDir(path string) (*dir, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return &dir{fd: fd, path: path}, nil
}

func (d *dir) close()             { unix.Close(d.fd) }
func (d *dir) sync() error        { return fsync(d.fd) }
func (d *dir) remove(name string) { unix.Unlinkat(d.fd, name, 0) }

// temp is where one file's data waits for its name.
type temp struct {
	fd   int    // an open descriptor, or -1
	anon bool   // fd is an O_TMPFILE inode, without a name until linked
	name string // a named temp file in the target's directory, or ""
}

func newTemp() temp { return temp{fd: -1} }

func (t *temp) open() bool  { return t.fd >= 0 }
func (t *temp) sync() error { return fsync(t.fd) }

// close closes the descriptor (an O_TMPFILE inode goes with it).
func (t *temp) close() error {
	if t.fd < 0 {
		return nil
	}
	err := unix.Close(t.fd)
	t.fd = -1
	return err
}

func (t *temp) write(data []byte) error {
	for len(data) > 0 {
		n, err := unix.Write(t.fd, data)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// stream returns an *os.File to write t's content through. It closes its
// descriptor: an O_TMPFILE inode gives it a copy and keeps its own for
// the link; a named temp file hands its descriptor over.
func (t *temp) stream(path string) (*os.File, error) {
	if !t.anon {
		fd := t.fd
		t.fd = -1
		return os.NewFile(uintptr(fd), path), nil
	}
	dup, err := unix.FcntlInt(uintptr(t.fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(dup), path), nil
}

// createNamed creates the temp file name in d, never following a symlink
// nor opening a file that is there (an error matching fs.ErrExist).
func (d *dir) createNamed(t *temp, name string, mode fs.FileMode) error {
	fd, err := unix.Openat(d.fd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC|unix.O_NOFOLLOW, uint32(mode))
	if err != nil {
		return err
	}
	t.fd, t.name = fd, name
	return nil
}

// place gives t the name base in d: an O_TMPFILE inode is linked
// (linkAnon); a named temp file is renamed, for noReplace without ever
// replacing a file (renameNoReplaceAt).
func (d *dir) place(t *temp, base string, noReplace bool) error {
	if t.anon {
		return d.linkAnon(t, base, noReplace)
	}
	var err error
	if noReplace {
		err = renameNoReplaceAt(d.fd, t.name, d.fd, base)
	} else {
		err = unix.Renameat(d.fd, t.name, d.fd, base)
	}
	if err == nil {
		t.close()
		t.name = ""
	}
	return err
}

// RenameNoReplace renames oldpath to newpath and never replaces anything
// there (an error that matches fs.ErrExist): with the system's own
// no-replace rename where it has one (Linux's renameat2, macOS's
// renameatx_np), else, and on file systems without it (NFS), a file is
// linked under its new name and unlinked from the old one, and a
// directory is renamed after a look (a race with another process creating
// the same name is then possible).
func RenameNoReplace(oldpath, newpath string) error {
	return renameNoReplaceAt(unix.AT_FDCWD, oldpath, unix.AT_FDCWD, newpath)
}

// errNoRenameExcl is renameExcl's answer where the system or the file
// system has no no-replace rename.
var errNoRenameExcl = errors.New("place: no exclusive rename")

func renameNoReplaceAt(olddfd int, oldname string, newdfd int, newname string) error {
	err := renameExcl(olddfd, oldname, newdfd, newname)
	if !errors.Is(err, errNoRenameExcl) {
		return err
	}
	// A file is linked, which never replaces, and its old name removed; a
	// directory, which cannot be linked, is renamed only where nothing is.
	var st unix.Stat_t
	if err := unix.Fstatat(olddfd, oldname, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		if unix.Fstatat(newdfd, newname, &st, unix.AT_SYMLINK_NOFOLLOW) == nil {
			return unix.EEXIST
		}
		return unix.Renameat(olddfd, oldname, newdfd, newname)
	}
	if err := unix.Linkat(olddfd, oldname, newdfd, newname, 0); err != nil {
		return err
	}
	unix.Unlinkat(olddfd, oldname, 0) // the file stays under its own name
	return nil
}
