package home_test

import (
	"context"
	"crypto/x509/pkix"
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

// TestProvision makes a key and certificate, records it and writes its
// three files, the key 0600.
func TestProvision(t *testing.T) {
	h := newHome(t)
	dir := filepath.Join(t.TempDir(), "out")
	p, err := h.Provision(context.Background(), home.ProvisionConfig{Dir: dir}, ca.KeyRequest{
		Subject: pkix.Name{CommonName: "web.example.com"}, DNSNames: []string{"web.example.com"}, Profile: ca.ProfileServer, Validity: 24 * time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.Issuer != "root" || p.Key != filepath.Join(dir, "web.example.com.key") {
		t.Fatalf("provisioned %+v", p)
	}
	// The policy's "match" fields come from the issuer.
	if got := p.Issued.Cert.Subject.Organization; len(got) != 1 || got[0] != "Example" {
		t.Errorf("O = %v, want the issuer's", got)
	}
	if fi, err := os.Stat(p.Key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key: %v %v", err, fi)
	}
	for _, f := range []string{p.Cert, p.Chain} {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
	checkStore(t, h)
}

// TestProvisionManifest: good rows are issued, a row done before is
// skipped, a bad row and a repeated NAME fail with their lines, and the
// failures come sorted by line.
func TestProvisionManifest(t *testing.T) {
	h := newHome(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "done.example.com.key"), []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	manifest := "cn,dns,ip\n" +
		"a.example.com,a.example.com,\n" +
		"done.example.com,done.example.com,\n" +
		"b.example.com,b.example.com,not-an-ip\n" +
		"a.example.com,a.example.com,\n" +
		"c.example.com,c.example.com,\n"
	mr, err := ca.NewManifestReader(strings.NewReader(manifest))
	if err != nil {
		t.Fatal(err)
	}
	var seen int
	rep, err := h.ProvisionManifest(context.Background(), home.ProvisionConfig{Dir: dir, Workers: 2}, mr,
		ca.KeyRequest{KeyType: pem.ECDSAP256, Profile: ca.ProfileServer, Validity: 24 * time.Hour},
		func(home.RowResult) { seen++ })
	if err != nil {
		t.Fatal(err)
	}
	if rep.Issued != 2 || rep.Skipped != 1 || len(rep.Failures) != 2 || seen != 5 {
		t.Fatalf("issued %d, skipped %d, failures %+v, seen %d; want 2, 1, 2, 5", rep.Issued, rep.Skipped, rep.Failures, seen)
	}
	var me *ca.ManifestError
	if f := rep.Failures[0]; f.Line != 4 || !errors.As(f.Err, &me) || !errors.Is(f.Err, ca.ErrUsage) {
		t.Errorf("first failure %+v, want line 4, a bad cell", f)
	}
	if f := rep.Failures[1]; f.Line != 5 || !errors.Is(f.Err, ca.ErrExists) {
		t.Errorf("second failure %+v, want line 5, NAME taken", f)
	}
	for _, name := range []string{"a.example.com", "c.example.com"} {
		if _, err := os.Stat(filepath.Join(dir, name+".chain.pem")); err != nil {
			t.Error(err)
		}
	}
	checkStore(t, h)
}

// TestProvisionManifestNoIssuer: a run that cannot start has no report.
func TestProvisionManifestNoIssuer(t *testing.T) {
	h := newHome(t)
	mr, err := ca.NewManifestReader(strings.NewReader("cn\na\n"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := h.ProvisionManifest(context.Background(), home.ProvisionConfig{Issuer: "nope", Dir: t.TempDir()}, mr, ca.KeyRequest{}, nil)
	if rep != nil || !errors.Is(err, ca.ErrNotFound) {
		t.Fatalf("report %v, error %v; want none and ErrNotFound", rep, err)
	}
}
