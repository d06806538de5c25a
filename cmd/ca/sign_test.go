package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/internal/errtext"
	"github.com/ca-toolkit/ca/internal/linttest"
	capem "github.com/ca-toolkit/ca/pkg/pem"
)

// signRunCA runs the CLI in-process with CA_HOME=home and returns its output
// and exit code.
func signRunCA(t testing.TB, home string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	g := newGlobals(strings.NewReader(""), &out, &errb, []string{"CA_HOME=" + home})
	cmd := newRootCmd(g)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		errb.WriteString("ca: " + errtext.Message(err) + "\n")
	}
	return out.String(), errb.String(), exitCode(err)
}

func signMustCA(t *testing.T, home string, args ...string) string {
	t.Helper()
	out, errs, code := signRunCA(t, home, args...)
	if code != 0 {
		t.Fatalf("ca %s: exit %d\n%s", strings.Join(args, " "), code, errs)
	}
	return out
}

// signReadCerts reads every certificate of a PEM file.
func signReadCerts(t *testing.T, path string) []*x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
}

// TestSignEveryProfileAndKeyType signs a request of every key type under
// every profile and has the certificates judged: crypto/x509 with the
// profile's EKU, zlint, openssl verify -x509_strict with the right -purpose
// and GnuTLS certtool --verify (both skipped when missing, except in CI).
func TestSignEveryProfileAndKeyType(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "pki")
	signMustCA(t, home, "init", "--cn", "Matrix Root", "--org", "Example", "--country", "DE", "--key-type", "ecdsa-p384", "--no-passphrase")
	signMustCA(t, home, "intermediate", "create", "--name", "issuing", "--cn", "Matrix Issuing CA", "--key-type", "rsa-3072", "--no-passphrase")
	rootFile := filepath.Join(home, "issuers", "root", "cert.pem")
	root := signReadCerts(t, rootFile)[0]
	inter := signReadCerts(t, filepath.Join(home, "issuers", "issuing", "cert.pem"))[0]
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(root)
	inters.AddCert(inter)
	openssl := signTool(t, "openssl")
	certtool := signTool(t, "certtool")

	purposes := map[string][]string{"server": {"sslserver"}, "client": {"sslclient"}, "device": {"sslserver", "sslclient"}}
	ekus := map[string][]x509.ExtKeyUsage{
		"server": {x509.ExtKeyUsageServerAuth},
		"client": {x509.ExtKeyUsageClientAuth},
		"device": {x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	oids := map[string]string{"sslserver": "1.3.6.1.5.5.7.3.1", "sslclient": "1.3.6.1.5.5.7.3.2"}
	for _, kt := range capem.KeyTypes {
		req := filepath.Join(dir, string(kt)+".csr")
		signMustCA(t, home, "csr", "create", "--cn", "www.example.com", "--dns", "www.example.com", "--org", "Example", "--country", "DE",
			"--key-type", string(kt), "--key-out", filepath.Join(dir, string(kt)+".key"), "--out", req, "--no-passphrase")
		for _, profile := range []string{"server", "client", "device"} {
			t.Run(profile+"/"+string(kt), func(t *testing.T) {
				crt := filepath.Join(dir, profile+"-"+string(kt)+".crt")
				signMustCA(t, home, "sign", "csr", req, "--profile", profile, "--chain", "--out", crt)
				certs := signReadCerts(t, crt)
				if len(certs) != 2 || !certs[1].Equal(inter) {
					t.Fatalf("--chain wrote %d certificates, want the leaf and the intermediate", len(certs))
				}
				leaf := certs[0]
				linttest.Certificate(t, leaf.Raw)
				if len(leaf.SubjectKeyId) == 0 || !bytes.Equal(leaf.AuthorityKeyId, inter.SubjectKeyId) {
					t.Errorf("SKI %x, AKI %x (issuer SKI %x)", leaf.SubjectKeyId, leaf.AuthorityKeyId, inter.SubjectKeyId)
				}
				if leaf.IsCA || leaf.KeyUsage&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != 0 {
					t.Errorf("a leaf with CA powers: IsCA %v, key usage %b", leaf.IsCA, leaf.KeyUsage)
				}
				if !slices.Equal(leaf.ExtKeyUsage, ekus[profile]) {
					t.Errorf("EKU %v, want %v", leaf.ExtKeyUsage, ekus[profile])
				}
				for _, eku := range ekus[profile] {
					if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, KeyUsages: []x509.ExtKeyUsage{eku}}); err != nil {
						t.Errorf("crypto/x509 verify for %v: %v", eku, err)
					}
				}
				for _, purpose := range purposes[profile] {
					if openssl != "" {
						signRun(t, openssl, "verify", "-x509_strict", "-purpose", purpose, "-CAfile", rootFile, "-untrusted", crt, crt)
					}
					if certtool != "" {
						out := signRun(t, certtool, "--verify", "--load-ca-certificate", rootFile, "--infile", crt, "--verify-purpose="+oids[purpose])
						if !strings.Contains(out, "Chain verification output: Verified") {
							t.Errorf("certtool:\n%s", out)
						}
					}
				}
			})
		}
	}
}

// signTool returns the path of an outside judge, or "" when it is missing
// (an error when CI=true, where .ci/run installs it).
func signTool(t *testing.T, name string) string {
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed; .ci/run must install it", name)
		}
		t.Logf("%s is not installed; its checks are skipped", name)
		return ""
	}
	return path
}

func signRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Errorf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// BenchmarkSignCSRs signs the same 64 requests either in one "ca sign csr"
// call (parallel judging and signing, group commit, one sync) or in one call
// per request (the baseline, as a shell loop would). Compare the two
// ns/cert figures of one run.
func BenchmarkSignCSRs(b *testing.B) {
	const n = 64
	dir := b.TempDir()
	home := filepath.Join(dir, "pki")
	if _, errs, code := signRunCA(b, home, "init", "--cn", "Bench Root", "--org", "Example", "--country", "DE", "--no-passphrase"); code != 0 {
		b.Fatal(errs)
	}
	reqs := make([]string, n)
	for i := range reqs {
		reqs[i] = filepath.Join(dir, fmt.Sprintf("h%d.csr", i))
		cn := fmt.Sprintf("h%d.example.com", i)
		if _, errs, code := signRunCA(b, home, "csr", "create", "--cn", cn, "--dns", cn, "--org", "Example", "--country", "DE",
			"--key-out", filepath.Join(dir, fmt.Sprintf("h%d.key", i)), "--out", reqs[i], "--no-passphrase"); code != 0 {
			b.Fatal(errs)
		}
	}
	round := 0
	outDir := func() string { round++; return filepath.Join(dir, fmt.Sprintf("out%d", round)) }
	b.Run("one-call", func(b *testing.B) {
		for b.Loop() {
			args := append([]string{"sign", "csr", "--out-dir", outDir()}, reqs...)
			if _, errs, code := signRunCA(b, home, args...); code != 0 {
				b.Fatal(errs)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/cert")
	})
	b.Run("call-per-request", func(b *testing.B) {
		for b.Loop() {
			out := outDir()
			for _, r := range reqs {
				if _, errs, code := signRunCA(b, home, "sign", "csr", "--out-dir", out, r); code != 0 {
					b.Fatal(errs)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/cert")
	})
}

// TestSignLazyInputs: past the pre-read budget the requests are read by the
// workers; the results are the same, each judged on its own.
func TestSignLazyInputs(t *testing.T) {
	defer func(b int) { preReadBudget = b }(preReadBudget)
	preReadBudget = 1 // the first request is read before the store is opened, the others in the workers
	dir := t.TempDir()
	home := filepath.Join(dir, "pki")
	signMustCA(t, home, "init", "--cn", "Lazy Root", "--org", "Example", "--country", "DE", "--no-passphrase")
	var args []string
	for _, kind := range []string{"good", "ca-true", "garbage", "good", "exists"} {
		name := filepath.Join(dir, fmt.Sprintf("%d-%s.csr", len(args), kind))
		k := kind
		if kind == "exists" {
			k = "good"
			if err := os.MkdirAll(filepath.Join(dir, "out"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "out", fmt.Sprintf("%d-%s.crt", len(args), kind)), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		data, err := hostileCSR(k, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, name)
	}
	out, errs, code := signRunCA(t, home, append([]string{"-o", "json", "sign", "csr", "--out-dir", filepath.Join(dir, "out")}, args...)...)
	if code != exitConflict {
		t.Fatalf("exit %d, want 5 (the worst)\n%s", code, errs)
	}
	var items []signItem
	if err := json.Unmarshal([]byte(out), &items); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.Status)
	}
	want := []string{"signed", "refused", "malformed", "signed", "exists"}
	if !slices.Equal(got, want) {
		t.Fatalf("statuses %v, want %v\n%s", got, want, errs)
	}
}
