package home

import (
	"os"
	"path/filepath"
	"strings"
)

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
