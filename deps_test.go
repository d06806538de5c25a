package ca_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection keeps the layout of STYLE.md true: pkg/ca never
// imports store; pkg/csr, pkg/crl, pkg/pem and pkg/verify import only pkg/pem, the
// standard library and golang.org/x (and the small crypto libraries pkg/pem
// wraps); nothing under pkg/ or store/ imports cmd/ or cobra.
func TestDependencyDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/ca-toolkit/ca/"
	leaf := map[string]bool{mod + "pkg/csr": true, mod + "pkg/crl": true, mod + "pkg/pem": true, mod + "pkg/verify": true}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, "|")
		for _, imp := range strings.Fields(imports) {
			switch {
			case pkg == mod+"pkg/ca" && strings.HasPrefix(imp, mod+"store"):
				t.Errorf("pkg/ca imports %s: the store depends on pkg/ca, never the reverse", imp)
			case leaf[pkg] && strings.HasPrefix(imp, mod) && imp != mod+"pkg/pem":
				t.Errorf("%s imports %s: it may import only pkg/pem of this module", pkg, imp)
			case leaf[pkg] && strings.Contains(strings.Split(imp, "/")[0], ".") && !strings.HasPrefix(imp, mod) &&
				!strings.HasPrefix(imp, "golang.org/x/") && imp != "github.com/youmark/pkcs8":
				t.Errorf("%s imports %s: only the standard library and golang.org/x", pkg, imp)
			case (strings.HasPrefix(pkg, mod+"pkg/") || strings.HasPrefix(pkg, mod+"store")) &&
				(strings.HasPrefix(imp, mod+"cmd") || strings.HasPrefix(imp, "github.com/spf13/")):
				t.Errorf("%s imports %s: libraries know nothing of the CLI", pkg, imp)
			}
		}
	}
}
