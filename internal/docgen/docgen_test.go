package docgen_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/internal/docgen"
)

func tree() *cobra.Command {
	root := &cobra.Command{Use: "ca", Short: "the root"}
	root.AddCommand(&cobra.Command{Use: "sign", Short: "sign things", Run: func(*cobra.Command, []string) {}},
		&cobra.Command{Use: "secret", Hidden: true, Run: func(*cobra.Command, []string) {}})
	return root
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestWrite(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stale map[string]string // files there before: path under dir -> content
		want  map[string][]string
	}{
		{"an empty directory", nil, map[string][]string{
			"reference": {"ca.md", "ca_sign.md"}, "man": {"ca-sign.1", "ca.1"}}},
		{"pages of a command that is gone are removed, other files stay", map[string]string{
			"reference/ca_gone.md": "old", "reference/README.txt": "keep", "man/ca-gone.1": "old"},
			map[string][]string{"reference": {"README.txt", "ca.md", "ca_sign.md"}, "man": {"ca-sign.1", "ca.1"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for p, content := range tc.stale {
				path := filepath.Join(dir, p)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			md, man, err := docgen.Write(tree(), dir)
			if err != nil {
				t.Fatal(err)
			}
			if md != filepath.Join(dir, "reference") || man != filepath.Join(dir, "man") {
				t.Errorf("Write = %s, %s", md, man)
			}
			for sub, want := range tc.want {
				if got := names(t, filepath.Join(dir, sub)); !slices.Equal(got, want) {
					t.Errorf("%s holds %v, want %v", sub, got, want)
				}
			}
			page, err := os.ReadFile(filepath.Join(man, "ca.1"))
			if err != nil || !strings.Contains(string(page), "Jan 2026") {
				t.Errorf("ca.1 (%v) is not stamped with docgen.Date:\n%s", err, page)
			}
		})
	}
}

func TestWriteRefusesAFileForDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := docgen.Write(tree(), file); err == nil || !strings.HasPrefix(err.Error(), "gen-docs: ") {
		t.Errorf("Write into a file = %v, want a gen-docs: error", err)
	}
}
