package ca_test

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/ca-toolkit/ca/"

// allowedImports is the layout of STYLE.md, package by package: which
// packages of this module each may import, and which outside modules
// (beyond the standard library and golang.org/x). A package not listed
// here fails the test until it is given its place.
var allowedImports = map[string]struct {
	internal []string // packages of this module
	outside  []string // module path prefixes beyond the stdlib and golang.org/x
}{
	"pkg/pem":         {nil, []string{"github.com/youmark/pkcs8"}},
	"pkg/csr":         {[]string{"pkg/pem"}, nil},
	"pkg/crl":         {[]string{"pkg/pem"}, nil},
	"pkg/verify":      {[]string{"pkg/pem"}, nil},
	"pkg/ca":          {[]string{"pkg/csr", "pkg/crl", "pkg/pem"}, []string{"software.sslmate.com/src/go-pkcs12"}},
	"pkg/passphrase":  {[]string{"pkg/pem"}, nil},
	"pkg/tlsendpoint": {[]string{"pkg/pem", "pkg/crl"}, nil},
	"pkg/trust":       {nil, nil},
	"store":           {[]string{"pkg/ca", "pkg/pem"}, []string{"go.etcd.io/bbolt", "github.com/jackc/pgx/v5"}},
	"pkg/pkcs11":      {[]string{"pkg/pem"}, []string{"github.com/ThalesGroup/crypto11", "github.com/miekg/pkcs11"}},
	"home":            {[]string{"store", "pkg/ca", "pkg/csr", "pkg/crl", "pkg/pem", "pkg/tlsendpoint", "pkg/pkcs11"}, nil},
}

// TestDependencyDirection keeps the layout of STYLE.md true: libraries
// import only what is below them (pkg/ca never imports store; pkg/csr,
// pkg/crl, pkg/pem and pkg/verify only pkg/pem), nothing under pkg/, store/ or home/
// imports cmd/ or cobra, and every library package has its place in
// allowedImports.
func TestDependencyDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, imports, _ := strings.Cut(line, "|")
		pkg := strings.TrimPrefix(path, mod)
		if pkg == path || strings.HasPrefix(pkg, "cmd/") || strings.HasPrefix(pkg, "internal/") {
			continue // the module root (this test), the CLI and test helpers may import anything
		}
		rule, ok := allowedImports[pkg]
		if !ok {
			t.Errorf("%s has no place in allowedImports: add it, with what it may import", pkg)
			continue
		}
		for _, imp := range strings.Fields(imports) {
			if !allowed(imp, rule.internal, rule.outside) {
				t.Errorf("%s imports %s: not in its allowed imports (STYLE.md, \"Layout and dependency direction\")", pkg, imp)
			}
		}
	}
}

func allowed(imp string, internal, outside []string) bool {
	if local, ok := strings.CutPrefix(imp, mod); ok {
		for _, a := range internal {
			if local == a {
				return true
			}
		}
		return false
	}
	if !strings.Contains(strings.Split(imp, "/")[0], ".") || strings.HasPrefix(imp, "golang.org/x/") {
		return true // the standard library, golang.org/x
	}
	for _, a := range outside {
		if imp == a || strings.HasPrefix(imp, a+"/") {
			return true
		}
	}
	return false
}
