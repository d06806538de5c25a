package home_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
)

// TestIssueFlagsDefaults: good values give the KeyRequest every
// certificate starts from; each bad one is refused naming its flag.
func TestIssueFlagsDefaults(t *testing.T) {
	good := home.IssueFlags{KeyType: "rsa-2048", Profile: "client", Validity: "30d"}
	def, err := good.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	if def.KeyType != pem.RSA2048 || def.Profile.Name() != "client" || def.Validity != 30*24*time.Hour {
		t.Errorf("defaults %+v", def)
	}
	for _, tc := range []struct {
		name   string
		change func(*home.IssueFlags)
		is     error
		want   string
	}{
		{"dn text", func(f *home.IssueFlags) { f.DN.OU = "a\tb" }, ca.ErrUsage, "--ou"},
		{"key type", func(f *home.IssueFlags) { f.KeyType = "dsa" }, pem.ErrUnknownKeyType, ""},
		{"profile", func(f *home.IssueFlags) { f.Profile = "root" }, ca.ErrUsage, ""},
		{"validity", func(f *home.IssueFlags) { f.Validity = "3 months" }, ca.ErrUsage, "--validity: "},
		{"workers", func(f *home.IssueFlags) { f.Workers = -1 }, ca.ErrUsage, "--workers -1: give a positive number"},
		{"manifest without out-dir", func(f *home.IssueFlags) { f.Manifest = "rows.csv" }, ca.ErrUsage, "--manifest needs --out-dir DIR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := good
			tc.change(&f)
			if _, err := f.Defaults(); !errors.Is(err, tc.is) || !strings.Contains(fmt.Sprint(err), tc.want) {
				t.Fatalf("%v, want %v with %q", err, tc.is, tc.want)
			}
		})
	}
}

// TestIssueFlagsRequest: the DN and SANs become the request's names on top
// of the defaults; a SAN that does not parse is refused.
func TestIssueFlagsRequest(t *testing.T) {
	f := home.IssueFlags{DN: home.DN{CN: "web", Org: "Example"}, SANs: home.SANs{DNS: []string{"web"}, IPs: []string{"192.0.2.1"}, Emails: []string{"a@b"}, URIs: []string{"https://web/"}}}
	req, err := f.Request(ca.KeyRequest{Validity: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if req.Validity != time.Hour || req.Subject.CommonName != "web" || req.DNSNames[0] != "web" || len(req.IPAddresses) != 1 ||
		req.EmailAddresses[0] != "a@b" || req.URIs[0].String() != "https://web/" {
		t.Errorf("request %+v", req)
	}
	f.SANs.IPs = []string{"nope"}
	if _, err := f.Request(ca.KeyRequest{}); !errors.Is(err, ca.ErrUsage) {
		t.Errorf("bad --ip: %v, want ErrUsage", err)
	}
}

// TestOpenManifest reads a manifest's header from a file, counting its
// rows when asked, or from stdin, never counted; a missing file is
// fs.ErrNotExist and an empty one ErrUsage.
func TestOpenManifest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rows.csv")
	if err := os.WriteFile(path, []byte("cn,dns\na,a\nb,b\nc,c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		path  string
		count bool
		rows  int64
	}{{"counted", path, true, 3}, {"not counted", path, false, -1}, {"stdin", "-", true, -1}} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := home.OpenManifest(tc.path, strings.NewReader("cn\nx\n"), tc.count)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			row, err := m.Next()
			if m.Rows != tc.rows || err != nil || row.CN == "" {
				t.Errorf("rows %d (want %d), first row %+v, %v", m.Rows, tc.rows, row, err)
			}
		})
	}
	if _, err := home.OpenManifest(filepath.Join(t.TempDir(), "missing.csv"), nil, true); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing manifest: %v, want ErrNotExist", err)
	}
	if _, err := home.OpenManifest("-", strings.NewReader(""), false); !errors.Is(err, ca.ErrUsage) {
		t.Errorf("empty manifest: %v, want ErrUsage", err)
	}
}

// TestIssueFlagsProvisionConfig: the files go to the current directory
// unless OutDir says otherwise; the issuer, workers, passphrase and the
// caller's check are passed on.
func TestIssueFlagsProvisionConfig(t *testing.T) {
	checked := false
	check := func(...place.File) error { checked = true; return nil }
	cfg := home.IssueFlags{Issuer: "sub", Workers: 3}.ProvisionConfig([]byte("pass"), check)
	if cfg.Dir != "." || cfg.Issuer != "sub" || cfg.Workers != 3 || string(cfg.Passphrase) != "pass" || cfg.CheckFiles() != nil || !checked {
		t.Errorf("config %+v", cfg)
	}
	if cfg := (home.IssueFlags{OutDir: "out"}).ProvisionConfig(nil, nil); cfg.Dir != "out" || cfg.Passphrase != nil || cfg.CheckFiles != nil {
		t.Errorf("config %+v", cfg)
	}
}
