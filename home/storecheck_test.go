package home_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/place"
)

// TestCheckStore: a sound home is OK with its counts; a replaced cert.pem
// is a problem in the caller's words, a directory the store does not know
// a warning, and the text lists both.
func TestCheckStore(t *testing.T) {
	words := func(err error) string { return "W: " + err.Error() }
	for _, tc := range []struct {
		name     string
		damage   func(t *testing.T, h *home.Home)
		problem  string // a problem starts with it; "" for none
		warning  string // a warning holds it; "" for none
		textLine string // the text's first line starts with it
	}{
		{"sound", func(*testing.T, *home.Home) {}, "", "", "store OK: 1 certificates, 0 revocations, 0 CRLs, "},
		{"cert.pem replaced", func(t *testing.T, h *home.Home) {
			if err := os.WriteFile(h.IssuerFile("root", home.FileCert), []byte("not a certificate\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "W: ", "", "store "},
		{"an unknown issuer directory", func(t *testing.T, h *home.Home) {
			if err := os.Mkdir(filepath.Join(h.IssuersDir(), "stray"), 0o700); err != nil {
				t.Fatal(err)
			}
		}, "", "is not an issuer of this store", "store OK: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHome(t)
			tc.damage(t, h)
			r, err := h.CheckStore(context.Background(), words)
			if err != nil {
				t.Fatal(err)
			}
			if r.OK != (tc.problem == "") || r.Certificates != 1 || r.Issuers != 1 || r.Path != h.StorePath() {
				t.Errorf("report %+v", r)
			}
			if tc.problem != "" && (len(r.Problems) != 1 || !strings.HasPrefix(r.Problems[0], tc.problem)) {
				t.Errorf("problems %q, want one starting %q", r.Problems, tc.problem)
			}
			if tc.warning != "" && (len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], tc.warning)) {
				t.Errorf("warnings %q, want one holding %q", r.Warnings, tc.warning)
			}
			var text bytes.Buffer
			if err := r.WriteText(&text); err != nil || !strings.HasPrefix(text.String(), tc.textLine) {
				t.Errorf("text %q, want it to start %q", text.String(), tc.textLine)
			}
			data, err := json.Marshal(r)
			if err != nil || !bytes.Contains(data, []byte(`"problems":[`)) || !bytes.Contains(data, []byte(`"warnings":[`)) || !bytes.Contains(data, []byte(`"certificates":1`)) {
				t.Errorf("JSON %s, %v: want lists, never null, and the counts inline", data, err)
			}
		})
	}
}

// TestBackup: a backup goes to a new file and says so; an existing file is
// a conflict, a directory or symlink bad input, and neither is touched.
func TestBackup(t *testing.T) {
	h := newHome(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "exists"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "exists"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		want error // nil: a backup
	}{
		{"new.db", nil},
		{"exists", place.ErrExists},
		{"link", ca.ErrUsage},
		{".", ca.ErrUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if err := home.CheckBackupFile(path); !errors.Is(err, tc.want) {
				t.Errorf("CheckBackupFile(%s) = %v, want %v", tc.name, err, tc.want)
			}
			sum, err := h.Backup(path)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("Backup(%s) = %v, want %v", tc.name, err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sum.File != path || sum.Certificates != 1 || sum.Bytes == 0 || sum.AuditHead == "" {
				t.Errorf("summary %+v", sum)
			}
			var text bytes.Buffer
			if err := sum.WriteText(&text); err != nil || !strings.HasPrefix(text.String(), "backup written to "+path+": ") {
				t.Errorf("text %q", text.String())
			}
		})
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "exists")); string(data) != "mine" {
		t.Errorf("the existing file holds %q", data)
	}
}

// TestMigrateToBolt: a copy into a new bbolt file reports both stores and
// what it copied, in text and JSON; a bbolt home has no schema to upgrade.
func TestMigrateToBolt(t *testing.T) {
	h := newHome(t)
	to := filepath.Join(t.TempDir(), "copy.db")
	sum, err := h.Migrate(context.Background(), "bbolt:"+to)
	if err != nil {
		t.Fatal(err)
	}
	if sum.From != h.StorePath() || sum.Certificates != 1 || sum.Issuers != 1 || sum.AuditHead == "" {
		t.Errorf("summary %+v", sum)
	}
	var text bytes.Buffer
	if err := sum.WriteText(&text); err != nil || !strings.HasPrefix(text.String(), "copied "+sum.From+" to "+sum.To+": 1 issuers, 1 certificates, ") {
		t.Errorf("text %q", text.String())
	}
	data, err := json.Marshal(sum)
	if err != nil || !bytes.Contains(data, []byte(`"issuers":1`)) || !bytes.Contains(data, []byte(`"auditHead":`)) {
		t.Errorf("JSON %s, %v", data, err)
	}
	if _, err := h.UpgradeStore(); !errors.Is(err, ca.ErrUsage) {
		t.Errorf("UpgradeStore on bbolt = %v, want ErrUsage", err)
	}
}
