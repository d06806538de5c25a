package home

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// Warnings names what the store does not explain in the home, for "ca store
// check": what an interrupted command left (staging directories of init and
// of intermediate create, recorded issuers whose directory is missing) and
// issuer directories the store does not know (after a restore from an older
// backup). issuers are the names the store records.
func (h *Home) Warnings(issuers []string) []string {
	warnings := []string{}
	entries, _ := os.ReadDir(h.IssuersDir())
	recorded := map[string]bool{}
	for _, name := range issuers {
		recorded[name] = true
	}
	for _, e := range entries {
		path := filepath.Join(h.IssuersDir(), e.Name())
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && !recorded[e.Name()] {
			warnings = append(warnings, fmt.Sprintf("%s is not an issuer of this store (a store restored from an older backup?); its certificate is not recorded", path))
		}
		if strings.HasPrefix(e.Name(), ".") && strings.Contains(e.Name(), ".new-") {
			warnings = append(warnings, fmt.Sprintf("%s is the staging directory of an interrupted \"ca intermediate create\"; if its issuer is recorded but has no directory, move it into place, else remove it", path))
		}
	}
	// An interrupted "ca init" of this home, or of the empty directory it
	// was made in, leaves its hidden staging directory (with a root key).
	for _, d := range []string{filepath.Dir(filepath.Clean(h.Dir())), h.Dir()} {
		stale, _ := filepath.Glob(filepath.Join(d, stagePrefix(h.Dir())+"*"))
		for _, p := range stale {
			warnings = append(warnings, fmt.Sprintf("%s is the staging directory of an interrupted \"ca init\" (it holds a root key this home does not use); remove it", p))
		}
	}
	for _, name := range issuers {
		if cert := h.IssuerFile(name, FileCert); !exists(cert) {
			warnings = append(warnings, fmt.Sprintf("issuer %s is recorded but %s is missing (an interrupted command; see the staging directories above)", name, cert))
		}
	}
	return append(warnings, h.WritableWarnings()...)
}

// WritableWarnings names the home, its issuers directory and its store when
// group or others may write them, as ssh warns of such files: whoever can
// write them can replace the CA's records or files.
func (h *Home) WritableWarnings() []string {
	var out []string
	for _, p := range []string{h.Dir(), h.IssuersDir(), h.StorePath()} {
		if mode, bad := pem.WritableByOthers(p); bad {
			out = append(out, fmt.Sprintf("%s is writable by group or others (mode %04o); chmod go-w %[1]s", p, mode))
		}
	}
	return out
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
