package ca_test

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// rule is what one package of the module may import: these packages of
// the module (a trailing "/" allows everything under it), and modules from
// outside the standard library by prefix.
type rule struct {
	module  []string
	outside []string
}

// depRules is the layout of STYLE.md ("Layout and dependency direction"),
// one rule for every package: a new package fails the test until it has
// one. Libraries never import cmd/ nor cobra; pkg/ca never imports store
// nor pkg/place (it writes no file); the leaves (csr, crl, verify, pem,
// place) import only pkg/pem, the standard library, golang.org/x (place:
// only golang.org/x/sys) and the few libraries named here.
var depRules = map[string]rule{
	"cmd/ca":             {module: []string{"pkg/", "store", "home", "internal/"}, outside: []string{"*"}},
	"home":               {module: []string{"store", "pkg/ca", "pkg/csr", "pkg/crl", "pkg/pem", "pkg/place", "pkg/tlsendpoint", "pkg/pkcs11", "pkg/publish", "pkg/trust", "pkg/verify"}, outside: []string{"golang.org/x/"}},
	"store":              {module: []string{"pkg/ca", "pkg/csr", "pkg/pem", "pkg/place"}, outside: []string{"go.etcd.io/bbolt", "github.com/jackc/pgx/", "golang.org/x/"}},
	"pkg/ca":             {module: []string{"pkg/csr", "pkg/crl", "pkg/pem"}, outside: []string{"golang.org/x/", "software.sslmate.com/src/go-pkcs12"}},
	"pkg/passphrase":     {module: []string{"pkg/pem"}, outside: []string{"golang.org/x/"}},
	"pkg/trust":          {},
	"pkg/pkcs11":         {module: []string{"pkg/pem"}, outside: []string{"golang.org/x/", "github.com/ThalesGroup/crypto11", "github.com/miekg/pkcs11"}},
	"pkg/csr":            {module: []string{"pkg/pem"}, outside: []string{"golang.org/x/"}},
	"pkg/crl":            {module: []string{"pkg/pem"}, outside: []string{"golang.org/x/"}},
	"pkg/verify":         {module: []string{"pkg/pem"}, outside: []string{"golang.org/x/"}},
	"pkg/pem":            {outside: []string{"golang.org/x/", "github.com/youmark/pkcs8"}},
	"pkg/place":          {outside: []string{"golang.org/x/sys/"}},
	"pkg/tlsendpoint":    {module: []string{"pkg/pem", "pkg/crl"}, outside: []string{"golang.org/x/"}},
	"pkg/publish":        {module: []string{"pkg/ca"}, outside: []string{"golang.org/x/"}},
	"internal/errtext":   {module: []string{"pkg/csr"}},
	"internal/buildinfo": {module: []string{"store"}},
	"internal/crashtest": {module: []string{"pkg/ca"}},
	"internal/cmdtree":   {module: []string{"pkg/ca"}, outside: []string{"*"}}, // cobra: the command tree
	"internal/docgen":    {outside: []string{"*"}},                             // the CLI reference of cobra commands
	"internal/harden":    {outside: []string{"golang.org/x/sys/"}},
	"internal/linttest":  {outside: []string{"github.com/zmap/"}},
	"internal/testtool":  {},
	"internal/softhsm":   {},
	"internal/progress":  {outside: []string{"github.com/schollz/progressbar/"}},
	"internal/spool":     {outside: []string{"github.com/mattn/go-runewidth", "github.com/olekukonko/tablewriter/tw"}},
}

// TestDependencyDirection checks every package's imports against its rule,
// as each target system builds it (a file for one system may import more).
func TestDependencyDirection(t *testing.T) {
	const mod = "github.com/ca-toolkit/ca/"
	for _, goos := range []string{"linux", "darwin", "freebsd", "windows"} {
		cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{join .Imports " "}}`, "./...")
		cmd.Env = append(os.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("GOOS=%s go list: %v", goos, err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			pkg, imports, _ := strings.Cut(line, "|")
			name := strings.TrimPrefix(pkg, mod)
			if pkg == strings.TrimSuffix(mod, "/") {
				name = "." // the root: deps_test.go alone
			}
			r, ok := depRules[name]
			if !ok {
				if name != "." {
					t.Errorf("%s has no rule in depRules: say what it may import", name)
				}
				continue
			}
			for _, imp := range strings.Fields(imports) {
				if why := r.refuse(mod, imp); why != "" {
					t.Errorf("GOOS=%s: %s imports %s: %s", goos, name, imp, why)
				}
			}
		}
	}
}

// refuse says why r does not allow imp, or "".
func (r rule) refuse(mod, imp string) string {
	switch {
	case strings.HasPrefix(imp, mod):
		p := strings.TrimPrefix(imp, mod)
		if slices.ContainsFunc(r.module, func(a string) bool { return p == a || strings.HasSuffix(a, "/") && strings.HasPrefix(p, a) }) {
			return ""
		}
		return "not among its allowed packages of this module " + strings.Join(r.module, ", ")
	case !strings.Contains(strings.Split(imp, "/")[0], "."):
		return "" // the standard library
	case strings.HasPrefix(imp, "github.com/spf13/") && !slices.Contains(r.outside, "*"):
		return "libraries know nothing of the CLI"
	}
	if slices.ContainsFunc(r.outside, func(a string) bool { return a == "*" || strings.HasPrefix(imp, a) }) {
		return ""
	}
	return "only the standard library and " + strings.Join(r.outside, ", ")
}
