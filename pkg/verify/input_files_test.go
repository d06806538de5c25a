package verify

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// TestInputOptions reads real files: the roots, untrusted intermediates
// and CRLs, and parses the values; each bad input names its flag and is
// ErrMalformed, a missing file is fs.ErrNotExist.
func TestInputOptions(t *testing.T) {
	p := build(t, spec{})
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	roots := write("roots.pem", pem.Encode(pem.TypeCertificate, p.root.cert.Raw))
	inter := write("inter.der", p.inter.cert.Raw)
	crlFile := write("issuing.crl", crl(t, p.inter, crlSpec{}).List.Raw)
	empty := write("empty.pem", nil)
	garbage := write("garbage.pem", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		in      Input
		check   func(Options) bool
		wantErr error
		wantMsg string
	}{
		{name: "roots only, at now", in: Input{Roots: roots},
			check: func(o Options) bool {
				return len(o.Roots) == 1 && o.At.Equal(now) && o.Purpose == PurposeAny && o.CRLs == nil
			}},
		{name: "everything", in: Input{Roots: roots, Untrusted: inter, IP: "[2001:db8::1]", Purpose: "server", At: "@1798761600", CRLs: []string{crlFile, crlFile}},
			check: func(o Options) bool {
				return len(o.Intermediates) == 1 && o.IP.String() == "2001:db8::1" && o.Purpose == PurposeServer &&
					o.At.Equal(time.Unix(1798761600, 0)) && len(o.CRLs) == 2
			}},
		{name: "missing roots", in: Input{Roots: filepath.Join(dir, "nope.pem")}, wantErr: fs.ErrNotExist, wantMsg: "read certificate: open "},
		{name: "empty roots", in: Input{Roots: empty}, wantErr: ErrMalformed, wantMsg: "--roots " + empty + " holds no certificate"},
		{name: "roots that do not parse", in: Input{Roots: garbage}, wantErr: ErrMalformed, wantMsg: "--roots " + garbage + ": "},
		{name: "untrusted that do not parse", in: Input{Roots: roots, Untrusted: garbage}, wantErr: ErrMalformed, wantMsg: "--untrusted " + garbage + ": "},
		{name: "roots a directory", in: Input{Roots: dir}, wantErr: ErrMalformed, wantMsg: "certificate " + dir + " is not a regular file"},
		{name: "bad IP", in: Input{Roots: roots, IP: "example.com"}, wantErr: ErrMalformed, wantMsg: `--ip "example.com" is not an IP address`},
		{name: "bad purpose", in: Input{Roots: roots, Purpose: "email"}, wantErr: ErrMalformed, wantMsg: "--purpose: "},
		{name: "bad time", in: Input{Roots: roots, At: "tomorrow"}, wantErr: ErrMalformed, wantMsg: "--at: "},
		{name: "a certificate as CRL", in: Input{Roots: roots, CRLs: []string{roots}}, wantErr: ErrMalformed, wantMsg: "--crl " + roots + ": "},
		{name: "CRL a directory", in: Input{Roots: roots, CRLs: []string{dir}}, wantErr: ErrMalformed, wantMsg: "CRL " + dir + " is not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := tc.in.options(now)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.wantMsg) {
					t.Fatalf("error %v, want %v saying %q", err, tc.wantErr, tc.wantMsg)
				}
				return
			}
			if err != nil || !tc.check(o) {
				t.Fatalf("options %+v, %v", o, err)
			}
		})
	}
}

// TestVerifyPath verifies a chain read from stdin ("-") and from a file,
// and reports it: good with the chain, or bad with its reasons; input
// that is no certificate names the file.
func TestVerifyPath(t *testing.T) {
	p := build(t, spec{})
	dir := t.TempDir()
	roots := filepath.Join(dir, "roots.pem")
	if err := os.WriteFile(roots, pem.Encode(pem.TypeCertificate, p.root.cert.Raw), 0o644); err != nil {
		t.Fatal(err)
	}
	chain := append(pem.Encode(pem.TypeCertificate, p.leaf.cert.Raw), pem.Encode(pem.TypeCertificate, p.inter.cert.Raw)...)
	res, err := VerifyPath(bytes.NewReader(chain), "-", Input{Roots: roots, DNS: "www.example.com"}, testAt)
	if err != nil || !res.Good() {
		t.Fatalf("good chain: %v, %+v", err, res)
	}
	if r := res.Report("-"); r.Status != "good" || len(r.Chain) != 3 || r.Reasons == nil || len(r.Reasons) != 0 {
		t.Errorf("report %+v", r)
	}
	res, err = VerifyPath(bytes.NewReader(chain), "-", Input{Roots: roots, DNS: "other.example.com"}, testAt)
	if err != nil || res.Good() {
		t.Fatalf("wrong name: %v, %+v", err, res)
	}
	if r := res.Report("-"); r.Status != "bad" || len(r.Reasons) == 0 {
		t.Errorf("report %+v", r)
	}
	leaf := filepath.Join(dir, "leaf.txt")
	if err := os.WriteFile(leaf, []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyPath(nil, leaf, Input{Roots: roots}, testAt); !errors.Is(err, ErrMalformed) || !strings.HasPrefix(err.Error(), "certificate "+leaf+": ") {
		t.Errorf("no certificate: %v", err)
	}
	if r := (&Result{}).Report("f"); r.Chain == nil || r.Reasons == nil {
		t.Errorf("empty result: %+v, want [] for chain and reasons", r)
	}
}
