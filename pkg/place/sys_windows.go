package place

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Windows: no O_TMPFILE (a hidden temp file beside the target, removed by
// the next run if a crash left it), no syncfs (each file is flushed with
// FlushFileBuffers), no directory sync (MoveFileEx with
// MOVEFILE_WRITE_THROUGH returns once the rename is on disk), no POSIX
// modes (a key is created with an access list for its owner alone).

// dir is a directory, by path: Windows renames by path.
type dir struct{ path string }

func openDir(path string) (*dir, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", path)
	}
	return &dir{path: path}, nil
}

func (d *dir) close()             {}
func (d *dir) sync() error        { return nil }
func (d *dir) remove(name string) { os.Remove(filepath.Join(d.path, name)) }

// temp is where one file's data waits for its name.
type temp struct {
	f    *os.File // the open temp file, or nil
	anon bool     // never: Windows has no O_TMPFILE
	name string   // its name in the target's directory, or ""
}

func newTemp() temp { return temp{} }

func (t *temp) open() bool              { return t.f != nil }
func (t *temp) sync() error             { return t.f.Sync() }
func (t *temp) write(data []byte) error { _, err := t.f.Write(data); return err }

func (t *temp) close() error {
	if t.f == nil {
		return nil
	}
	err := t.f.Close()
	t.f = nil
	return err
}

func (t *temp) stream(string) (*os.File, error) {
	f := t.f
	t.f = nil
	return f, nil
}

// createNamed creates the temp file name in d, failing (fs.ErrExist) if
// it is there; a file whose mode gives nothing to group and others gets an
// access list that lets only the current user in.
func (d *dir) createNamed(t *temp, name string, mode fs.FileMode) error {
	path := filepath.Join(d.path, name)
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	var sa *windows.SecurityAttributes
	if mode&0o077 == 0 {
		sd, err := ownerOnly()
		if err != nil {
			return err
		}
		sa = &windows.SecurityAttributes{Length: uint32(unsafe.Sizeof(windows.SecurityAttributes{})), SecurityDescriptor: sd}
	}
	h, err := windows.CreateFile(p, windows.GENERIC_WRITE, 0, sa, windows.CREATE_NEW, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return err
	}
	t.f, t.name = os.NewFile(uintptr(h), path), name
	return nil
}

// ownerOnly is a security descriptor whose protected access list grants
// the current user full control and no one else anything.
var ownerOnly = sync.OnceValues(func() (*windows.SECURITY_DESCRIPTOR, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, err
	}
	return windows.SecurityDescriptorFromString("D:P(A;;FA;;;" + u.User.Sid.String() + ")")
})

// place renames t to base in d with MoveFileEx, written through to disk:
// over a file there unless noReplace (ERROR_ALREADY_EXISTS then, which
// matches fs.ErrExist).
func (d *dir) place(t *temp, base string, noReplace bool) error {
	t.close() // an open file cannot be renamed
	flags := uint32(windows.MOVEFILE_WRITE_THROUGH)
	if !noReplace {
		flags |= windows.MOVEFILE_REPLACE_EXISTING
	}
	if err := move(filepath.Join(d.path, t.name), filepath.Join(d.path, base), flags); err != nil {
		return err
	}
	t.name = ""
	return nil
}

// RenameNoReplace renames oldpath to newpath, a file or a directory, and
// never replaces anything there (an error that matches fs.ErrExist):
// MoveFileEx without MOVEFILE_REPLACE_EXISTING, written through to disk.
func RenameNoReplace(oldpath, newpath string) error {
	return move(oldpath, newpath, windows.MOVEFILE_WRITE_THROUGH)
}

func move(from, to string, flags uint32) error {
	f, err := windows.UTF16PtrFromString(from)
	if err != nil {
		return err
	}
	t, err := windows.UTF16PtrFromString(to)
	if err != nil {
		return err
	}
	if err := windows.MoveFileEx(f, t, flags); err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return nil
}
