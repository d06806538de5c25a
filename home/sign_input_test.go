package home_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// TestSignFlagsConfig: good flags give the run's config ("-" as --out is
// stdout, no file) and --out is vetted by checkOut; flags that do not fit
// the inputs are usage errors.
func TestSignFlagsConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var vetted []string
	checkOut := func(flag, out string, kind pem.Kind) error {
		vetted = append(vetted, flag+" "+out)
		return nil
	}
	stdin := strings.NewReader("")
	cfg, err := home.SignFlags{Issuer: "sub", Profile: "device", Validity: "1h", Out: "-", Chain: true}.Config([]string{"-"}, stdin, checkOut)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Issuer != "sub" || cfg.Options.Profile.Name() != "device" || cfg.Options.Validity != time.Hour || cfg.Out != "" ||
		!cfg.Chain || cfg.Stdin != stdin || len(cfg.Inputs) != 1 || len(vetted) != 0 {
		t.Errorf("config %+v, vetted %v", cfg, vetted)
	}
	if _, err := (home.SignFlags{Profile: "server", Validity: "1d", Out: "web.crt"}).Config([]string{"web.csr"}, nil, checkOut); err != nil || len(vetted) != 1 || vetted[0] != "--out web.crt" {
		t.Errorf("--out: %v, vetted %v", err, vetted)
	}
	for _, tc := range []struct {
		name   string
		flags  home.SignFlags
		inputs []string
		want   string
	}{
		{"profile", home.SignFlags{Profile: "root", Validity: "1d"}, []string{"a"}, ""},
		{"validity", home.SignFlags{Profile: "server", Validity: "-1d"}, []string{"a"}, "--validity: "},
		{"out and out-dir", home.SignFlags{Profile: "server", Validity: "1d", Out: "a.crt", OutDir: dir}, []string{"a"}, "--out and --out-dir exclude each other"},
		{"stdin twice", home.SignFlags{Profile: "server", Validity: "1d", OutDir: dir}, []string{"-", "-"}, `"-" (stdin) may be given once`},
		{"out with several", home.SignFlags{Profile: "server", Validity: "1d", Out: "a.crt"}, []string{"a", "b"}, "--out takes the certificate of one request"},
		{"several without out-dir", home.SignFlags{Profile: "server", Validity: "1d"}, []string{"a", "b", "c"}, "3 requests need --out-dir DIR"},
		{"out-dir a file", home.SignFlags{Profile: "server", Validity: "1d", OutDir: file}, []string{"a"}, "is not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.flags.Config(tc.inputs, nil, nil)
			if !errors.Is(err, ca.ErrUsage) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v, want ErrUsage with %q", err, tc.want)
			}
		})
	}
}
