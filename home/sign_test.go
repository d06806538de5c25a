package home_test

import (
	"context"
	"crypto/x509/pkix"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// writeCSR writes a PEM request for cn (with cn as its DNS name) to dir/file.
func writeCSR(t *testing.T, dir, file, cn string) string {
	t.Helper()
	key, err := pem.GenerateKey(pem.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	der, err := csr.Create(key, csr.Template{Subject: pkix.Name{CommonName: cn, Organization: subject.Organization, Country: subject.Country}, DNSNames: []string{cn}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, pem.Encode(pem.TypeCSR, der), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSignCSRs: each request is judged on its own; the good ones are
// recorded and written to OutDir as NAME.crt, a bad one and one whose
// file exists are reported without stopping the others.
func TestSignCSRs(t *testing.T) {
	h := newHome(t)
	in := t.TempDir()
	out := filepath.Join(t.TempDir(), "certs")
	good := writeCSR(t, in, "web.csr", "web.example.com")
	evil := writeCSR(t, in, "evil.csr", "evil example") // a CN with a space is no DNS name
	if err := os.WriteFile(filepath.Join(in, "garbage.csr"), []byte("not a request"), 0o644); err != nil {
		t.Fatal(err)
	}
	dup := writeCSR(t, t.TempDir(), "web.csr", "web2.example.com") // the same NAME.crt as good
	var done int
	rep, err := h.SignCSRs(context.Background(), home.SignConfig{
		Options: ca.SignOptions{Profile: ca.ProfileServer, Validity: time.Hour}, OutDir: out, PreRead: 1 << 20,
		Inputs:   []string{good, evil, filepath.Join(in, "garbage.csr"), dup},
		OnResult: func(*home.Signed) { done++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Issuer != "root" || len(rep.Results) != 4 || done != 4 {
		t.Fatalf("issuer %q, %d results, %d reported; want root, 4, 4", rep.Issuer, len(rep.Results), done)
	}
	if r := rep.Results[0]; r.Err != nil || r.Issued == nil || r.File != filepath.Join(out, "web.crt") {
		t.Fatalf("good request: %+v", r)
	}
	if !errors.Is(rep.Results[1].Err, ca.ErrRefused) {
		t.Errorf("evil request: %v, want a refusal", rep.Results[1].Err)
	}
	if rep.Results[2].Err == nil || rep.Results[2].Issued != nil {
		t.Errorf("garbage: %+v, want an error", rep.Results[2])
	}
	if !errors.Is(rep.Results[3].Err, ca.ErrExists) || !strings.Contains(rep.Results[3].Err.Error(), "rename one of the requests") {
		t.Errorf("second web.csr: %v, want ErrExists", rep.Results[3].Err)
	}
	data, err := os.ReadFile(filepath.Join(out, "web.crt"))
	if err != nil || string(data) != string(rep.Results[0].PEM) {
		t.Fatalf("web.crt: %v", err)
	}
	checkStore(t, h)
}

// TestSignCSRsNothingReady: when no request parses, the issuer is not
// loaded (no passphrase asked, no store locked) and each is reported.
func TestSignCSRsNothingReady(t *testing.T) {
	cfg := newHome(t).Config()
	cfg.Passphrase = func(string) ([]byte, error) { t.Fatal("passphrase asked"); return nil, nil }
	h := home.New(cfg)
	rep, err := h.SignCSRs(context.Background(), home.SignConfig{Inputs: []string{filepath.Join(t.TempDir(), "missing.csr")}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Issuer != "" || len(rep.Results) != 1 || !errors.Is(rep.Results[0].Err, fs.ErrNotExist) {
		t.Fatalf("report %+v, want one not-found error and no issuer", rep.Results[0])
	}
}

// TestCheckRequest: the dry run lists every rule, the revocation of the
// issuer's chain last, and signs nothing.
func TestCheckRequest(t *testing.T) {
	h := newHome(t)
	in := home.ReadCSR(writeCSR(t, t.TempDir(), "a.csr", "a.example.com"), nil)
	if in.Err != nil {
		t.Fatal(in.Err)
	}
	name, checks, err := h.CheckRequest(context.Background(), "", in.Request, ca.SignOptions{Validity: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	last := checks[len(checks)-1]
	if name != "root" || last.Rule != "notRevoked" || !last.Pass {
		t.Fatalf("issuer %q, last check %+v", name, last)
	}
	for _, c := range checks {
		if !c.Pass {
			t.Errorf("check %+v fails", c)
		}
	}
}

// TestCheckCSRUnread: a request whose signature does not verify is listed
// as that one failing rule, without the issuer being judged; input that
// names no rule (not a request at all) is an error naming the input.
func TestCheckCSRUnread(t *testing.T) {
	h := newHome(t)
	dir := t.TempDir()
	path := writeCSR(t, dir, "a.csr", "a.example.com")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	der, _, err := pem.Decode(data, pem.MaxSize, pem.TypeCSR)
	if err != nil {
		t.Fatal(err)
	}
	der[len(der)-3] ^= 0xff // inside the signature
	bad := filepath.Join(dir, "bad.csr")
	if err := os.WriteFile(bad, der, 0o644); err != nil {
		t.Fatal(err)
	}
	name, checks, err := h.CheckCSR(context.Background(), "", home.ReadCSR(bad, nil), ca.SignOptions{})
	if err != nil || name != "" || len(checks) != 1 || checks[0].Rule != "verify" || checks[0].Pass {
		t.Fatalf("CheckCSR(bad signature) = %q, %+v, %v; want one failing verify", name, checks, err)
	}
	garbage := filepath.Join(dir, "garbage.csr")
	if err := os.WriteFile(garbage, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.CheckCSR(context.Background(), "", home.ReadCSR(garbage, nil), ca.SignOptions{}); err == nil || !strings.HasPrefix(err.Error(), garbage+": ") {
		t.Fatalf("CheckCSR(garbage) error %v, want one naming the file", err)
	}
}
