package home_test

import (
	"bytes"
	"context"
	"crypto/tls"
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
	"github.com/ca-toolkit/ca/pkg/tlsendpoint"
)

// TestProbeFlagsCheck: each bad value is refused with a message naming
// its flag; good flags give the probe's config.
func TestProbeFlagsCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    home.ProbeFlags
		want error
		msg  string
	}{
		{"expect", home.ProbeFlags{Expect: "good", Timeout: "10s"}, ca.ErrUsage, `--expect "good": use ok, revoked or refused`},
		{"tls max", home.ProbeFlags{TLSMax: "1.4", Timeout: "10s"}, ca.ErrUsage, `--tls-max "1.4": use 1.2 or 1.3`},
		{"min above max", home.ProbeFlags{TLSMin: "1.3", TLSMax: "1.2", Timeout: "10s"}, ca.ErrUsage, "--tls-min 1.3 is above --tls-max 1.2"},
		{"timeout", home.ProbeFlags{Timeout: "a while"}, csr.ErrBadDuration, "--timeout: "},
		{"zero timeout", home.ProbeFlags{Timeout: "0s"}, csr.ErrBadDuration, "--timeout: "},
		{"key alone", home.ProbeFlags{KeyFile: "k", Timeout: "10s"}, ca.ErrUsage, "--cert and --key go together"},
		{"ca and issuer", home.ProbeFlags{CAFile: "r.pem", Issuer: "root", Timeout: "10s"}, ca.ErrUsage, "--ca and --issuer exclude each other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.f.Check()
			if !errors.Is(err, tc.want) || !strings.HasPrefix(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %v saying %q", err, tc.want, tc.msg)
			}
		})
	}
	r, err := home.ProbeFlags{Address: "127.0.0.1:1", ServerName: "db", TLSMin: "1.3", Timeout: "2s", Resume: true, Expect: "refused"}.Check()
	if err != nil {
		t.Fatal(err)
	}
	if r.Address != "127.0.0.1:1" || r.ServerName != "db" || r.MinVersion != tls.VersionTLS13 || r.MaxVersion != 0 ||
		r.Timeout != 2*time.Second || !r.Resume || r.Expect != tlsendpoint.OutcomeRefused {
		t.Fatalf("request %+v", r)
	}
}

// TestProbeFlagsScanConfig: a scan refuses the flags of a verifying probe
// and a timeout that is not positive.
func TestProbeFlagsScanConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    home.ProbeFlags
		want error
		msg  string
	}{
		{"resume", home.ProbeFlags{Resume: true, Timeout: "1s"}, ca.ErrUsage, "--scan and --resume exclude each other"},
		{"crl", home.ProbeFlags{CRL: "x.crl", Timeout: "1s"}, ca.ErrUsage, "--scan and --crl exclude each other"},
		{"timeout", home.ProbeFlags{Timeout: "-1s"}, csr.ErrBadDuration, "--timeout: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.f.ScanConfig()
			if !errors.Is(err, tc.want) || !strings.HasPrefix(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %q", err, tc.msg)
			}
		})
	}
	cfg, err := home.ProbeFlags{Address: "h:1", ServerName: "s", Timeout: "3s"}.ScanConfig()
	if err != nil || cfg.Address != "h:1" || cfg.ServerName != "s" || cfg.Timeout != 3*time.Second {
		t.Fatalf("config %+v, %v", cfg, err)
	}
}

// TestProbeWithoutHome: with no home, --ca gives the roots and a CRL file
// the revocation state, which the report names; an address probe refuses
// is bad input.
func TestProbeWithoutHome(t *testing.T) {
	h := newHome(t)
	start, _, _ := startServe(t, h, serveDefaults())
	crlFile := filepath.Join(t.TempDir(), "root.crl")
	st, err := h.OpenStoreRead()
	if err != nil {
		t.Fatal(err)
	}
	last, err := st.LastCRL(context.Background(), "root")
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(crlFile, last.DER, 0o644); err != nil {
		t.Fatal(err)
	}
	none := home.New(home.Config{Dir: filepath.Join(t.TempDir(), "none")})
	for _, tc := range []struct {
		name, crl, source string
		rev               tlsendpoint.Revocation
	}{
		{"crl file", crlFile, "CRL " + crlFile, tlsendpoint.RevocationGood},
		{"crl url", start.URL + "crl", "CRL " + start.URL + "crl", tlsendpoint.RevocationGood},
		{"no crl", "", "none", tlsendpoint.RevocationUnchecked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := home.ProbeFlags{Address: start.URL, CAFile: start.CAFile, CRL: tc.crl, Timeout: "10s"}.Check()
			if err != nil {
				t.Fatal(err)
			}
			rep, err := home.Probe(context.Background(), homeOf(none), req, openKey)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Verified || rep.Revocation != tc.rev || rep.Source != tc.source {
				t.Fatalf("verified %v, revocation %s from %q; want %s from %q (%s)", rep.Verified, rep.Revocation, rep.Source, tc.rev, tc.source, rep.Error)
			}
		})
	}
	req, err := home.ProbeFlags{Address: "ftp://127.0.0.1/", Timeout: "1s"}.Check()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := home.Probe(context.Background(), homeOf(none), req, openKey); !errors.Is(err, ca.ErrUsage) {
		t.Errorf("probe of an ftp URL: %v, want bad input", err)
	}
}

// TestProbeReadsFilesFirst: --ca and --cert are read before the home is
// asked for (whose warnings "ca probe" would print first).
func TestProbeReadsFilesFirst(t *testing.T) {
	none := home.New(home.Config{Dir: filepath.Join(t.TempDir(), "none")})
	root := newHome(t).IssuerFile("root", home.FileCert)
	asked := func() *home.Home { t.Error("the home was asked for before --ca and --cert were read"); return none }
	for _, f := range []home.ProbeFlags{
		{CAFile: filepath.Join(t.TempDir(), "missing.pem")},
		{CAFile: root, CertFile: filepath.Join(t.TempDir(), "missing.crt"), KeyFile: "k"},
	} {
		f.Address, f.Timeout = "127.0.0.1:1", "1s"
		req, err := f.Check()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := home.Probe(context.Background(), asked, req, openKey); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("probe with %+v: %v, want a missing file", f, err)
		}
	}
}

// homeOf is h as the commands give it: a function asked only when the
// home is needed.
func homeOf(h *home.Home) func() *home.Home { return func() *home.Home { return h } }

// TestScan lists what the endpoint accepts.
func TestScan(t *testing.T) {
	h := newHome(t)
	f := serveDefaults()
	f.TLSMin = "1.3"
	start, _, _ := startServe(t, h, f)
	res, err := home.Scan(context.Background(), home.ProbeFlags{Address: start.URL, Timeout: "5s"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Versions) != 1 || res.Versions[0] != "TLS 1.3" {
		t.Errorf("versions %v, want TLS 1.3 alone", res.Versions)
	}
	if _, err := home.Scan(context.Background(), home.ProbeFlags{Address: start.URL, Timeout: "5s", Issuer: "root"}); !errors.Is(err, ca.ErrUsage) {
		t.Errorf("scan with --issuer: %v", err)
	}
}

// TestProbeReport: Unexpected compares the outcome with the expected
// one; the text quotes names that hold control characters.
func TestProbeReport(t *testing.T) {
	ok := &tlsendpoint.Result{Address: "h:1", ServerName: "h", TLSVersion: "TLS 1.3", CipherSuite: "TLS_AES_128_GCM_SHA256",
		Verified: true, Revocation: tlsendpoint.RevocationGood,
		PeerChain: []tlsendpoint.CertInfo{{Subject: "CN=h\n  outcome     ok", Issuer: "CN=Root", Serial: "01"}}}
	bad := &tlsendpoint.Result{Address: "h:1", ServerName: "h", VerifyError: "x509: unknown authority", Revocation: tlsendpoint.RevocationUnchecked}
	for _, tc := range []struct {
		name   string
		res    *tlsendpoint.Result
		expect tlsendpoint.Outcome
		msg    string
	}{
		{"ok", ok, "", ""},
		{"ok expected", ok, tlsendpoint.OutcomeOK, ""},
		{"ok not revoked", ok, tlsendpoint.OutcomeRevoked, "expected revoked, got ok"},
		{"failed", bad, "", "probe h:1: failed (chain: x509: unknown authority)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := (&home.ProbeReport{Result: tc.res, Expect: tc.expect}).Unexpected()
			if tc.msg == "" && err != nil || tc.msg != "" && (!errors.Is(err, ca.ErrVerify) || err.Error() != tc.msg) {
				t.Fatalf("Unexpected() = %v, want %q", err, tc.msg)
			}
		})
	}
	var w bytes.Buffer
	if err := (home.ProbeReport{Result: ok, Source: "CRL x.crl", Resume: true}).WriteText(&w); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"probe h:1 (server name h): ok\n", "  tls         TLS 1.3, TLS_AES_128_GCM_SHA256, ALPN none\n", "  resumed     no\n",
		"  chain       verified\n", `    0 "CN=h\n  outcome     ok"` + "\n", "  revocation  good (CRL x.crl)\n", "  outcome     ok\n",
	} {
		if !strings.Contains(w.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, w.String())
		}
	}
}
