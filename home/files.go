package home

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
)

// CheckOut refuses, before any work, a file a command is to write, named
// by flag (--out), that could not be written or must not be replaced: a
// directory, symlink or device (ca.ErrUsage); an existing file that is not
// of kind (a key, a store, a request), that lies in the home's issuers/
// directory or is its store (ca.ErrExists); a file in a missing directory
// (ca.ErrNotFound). Every command with --out or --out-dir checks its files
// here (SPEC.md, "Files the user names").
func (h *Home) CheckOut(flag, out string, kind pem.Kind) error {
	if err := h.CheckFiles(flag, place.File{Path: out, Check: kind.Check}); err != nil {
		return err
	}
	if fi, err := os.Stat(filepath.Dir(out)); err != nil || !fi.IsDir() {
		return fmt.Errorf("%w: directory %s of %s %s does not exist; create it first", ca.ErrNotFound, filepath.Dir(out), flag, out)
	}
	return nil
}

// CheckFiles checks the files a command is about to write, named by flag:
// none is one of the home's own files (OwnFile), then place.CheckFile (a key
// is never replaced; a file with a Kind only by one of its kind); a file
// that is not a regular one is ca.ErrUsage.
func (h *Home) CheckFiles(flag string, files ...place.File) error {
	for _, f := range files {
		if what := h.OwnFile(f.Path); what != "" {
			return fmt.Errorf("%w: %s %s is %s; ca never replaces it: name a file outside the home", ca.ErrExists, flag, f.Path, what)
		}
		if err := place.CheckFile(f); errors.Is(err, place.ErrNotRegular) {
			return usageErr{err}
		} else if err != nil {
			return err
		}
	}
	return nil
}

// usageErr is err, also ca.ErrUsage.
type usageErr struct{ err error }

func (e usageErr) Error() string        { return e.err.Error() }
func (e usageErr) Unwrap() error        { return e.err }
func (e usageErr) Is(target error) bool { return target == ca.ErrUsage }

// OwnFile says which file of the home an existing path is, under any name
// (a hard link, a path through a symlinked directory): "the home's store",
// "in the home's issuers/ directory" or "a link to the home's
// issuers/NAME/FILE"; "" when it is none of them or does not exist.
// Commands never replace these with a file the user names.
func (h *Home) OwnFile(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "" // missing (fine) or unreadable: the caller's checks say which
	}
	if db, err := os.Stat(h.StorePath()); err == nil && os.SameFile(fi, db) {
		return "the home's store"
	}
	if dir, ok := realPath(filepath.Dir(path)); ok {
		if top, ok := realPath(h.IssuersDir()); ok {
			if rel, err := filepath.Rel(top, dir); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return "in the home's issuers/ directory"
			}
		}
	}
	return h.linkedIssuerFile(fi)
}

// linkedIssuerFile names the file of an issuer directory that fi is, or "".
func (h *Home) linkedIssuerFile(fi os.FileInfo) string {
	dirs, _ := os.ReadDir(h.IssuersDir())
	for _, d := range dirs {
		files, _ := os.ReadDir(h.IssuerDir(d.Name()))
		for _, f := range files {
			if other, err := os.Stat(h.IssuerFile(d.Name(), f.Name())); err == nil && os.SameFile(fi, other) {
				return "a link to the home's " + filepath.Join("issuers", d.Name(), f.Name())
			}
		}
	}
	return ""
}

// realPath is path made absolute with every symlink resolved.
func realPath(path string) (string, bool) {
	p, err := filepath.EvalSymlinks(path)
	if err == nil {
		p, err = filepath.Abs(p)
	}
	return p, err == nil
}
