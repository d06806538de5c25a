package home_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gopkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
)

// homeWithSub is a home with a root and an intermediate "sub" under it.
func homeWithSub(t *testing.T) *home.Home {
	t.Helper()
	h := newHome(t)
	if _, err := h.CreateIntermediate(context.Background(), "", newCA(t, "sub", pkix.Name{CommonName: "Sub CA", Organization: []string{"Example"}, Country: []string{"DE"}})); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestExportPKCS12 bundles a leaf of "sub" by serial and by file, with and
// without its chain, into a file or returned for stdout; the home is asked
// for only when the serial or the chain needs it.
func TestExportPKCS12(t *testing.T) {
	h := homeWithSub(t)
	file, cert, key := issueLeaf(t, h, "sub", "web.example.com")
	_, _, otherKey := issueLeaf(t, h, "sub", "other.example.com")
	dir := t.TempDir()
	exists := filepath.Join(dir, "exists.p12")
	if err := os.WriteFile(exists, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		x         home.PKCS12Export
		wantHome  bool
		wantChain int
		wantErr   error
	}{
		{"by serial, with chain", home.PKCS12Export{Serial: ca.FormatSerial(cert.SerialNumber), Chain: true, Out: filepath.Join(dir, "a.p12")}, true, 1, nil},
		{"by file, no home", home.PKCS12Export{CertFile: file, Out: filepath.Join(dir, "b.p12")}, false, 0, nil},
		{"by file, with chain", home.PKCS12Export{CertFile: file, Chain: true, Out: "-"}, true, 1, nil},
		{"existing out", home.PKCS12Export{CertFile: file, Out: exists}, false, 0, place.ErrExists},
		{"bad serial", home.PKCS12Export{Serial: "xyz", Out: "-"}, false, 0, ca.ErrBadSerial},
		{"not its key", home.PKCS12Export{CertFile: file, KeyFile: "other.key", Out: "-"}, false, 0, ca.ErrRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			asked := false
			x := tc.x
			x.Home = func() *home.Home { asked = true; return h }
			x.OpenKey = func(path string) (crypto.Signer, error) {
				if path == "other.key" {
					return otherKey, nil
				}
				return key, nil
			}
			x.Password = func() ([]byte, error) { return []byte("secret"), nil }
			report, pfx, err := x.Write(context.Background())
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || asked != tc.wantHome {
				t.Fatalf("%v; home asked for: %v, want %v", err, asked, tc.wantHome)
			}
			checkPKCS12(t, x.Out, report, pfx, cert, tc.wantChain)
		})
	}
}

// checkPKCS12 checks what PKCS12Export.Write made for out: a report and
// the file, or for "-" only the bundle; the bundle holds cert and
// wantChain intermediates.
func checkPKCS12(t *testing.T, out string, report *home.PKCS12Report, pfx []byte, cert *x509.Certificate, wantChain int) {
	t.Helper()
	if out != "-" {
		if pfx != nil || report.File != out || report.Chain != wantChain || report.Serial != ca.FormatSerial(cert.SerialNumber) {
			t.Fatalf("report %+v", report)
		}
		var err error
		if pfx, err = os.ReadFile(out); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := report.WriteText(&b); err != nil || !strings.HasPrefix(b.String(), "wrote "+out+"\n  serial     ") {
			t.Errorf("text %q", b.String())
		}
	} else if report != nil {
		t.Fatalf("report %+v for stdout", report)
	}
	_, got, chain, err := gopkcs12.DecodeChain(pfx, "secret")
	if err != nil || !got.Equal(cert) || len(chain) != wantChain {
		t.Fatalf("bundle: %v, %d in chain", err, len(chain))
	}
}

// TestExportChain writes the leaf and "sub" (not the root) to a file that
// may replace only a certificate, or returns the PEM for stdout.
func TestExportChain(t *testing.T) {
	h := homeWithSub(t)
	_, cert, _ := issueLeaf(t, h, "sub", "web.example.com")
	serial := ca.FormatSerial(cert.SerialNumber)
	open := func() *home.Home { return h }
	ctx := context.Background()
	x, err := home.ExportChain(ctx, open, serial, "-")
	if err != nil || x.File != "" || strings.Count(x.PEM, "BEGIN CERTIFICATE") != 2 || x.Serial != serial {
		t.Fatalf("stdout: %+v, %v", x, err)
	}
	out := filepath.Join(t.TempDir(), "web.chain.pem")
	y, err := home.ExportChain(ctx, open, serial, out)
	if err != nil || y.File != out || y.PEM != "" {
		t.Fatalf("file: %+v, %v", y, err)
	}
	if data, err := os.ReadFile(out); err != nil || string(data) != x.PEM {
		t.Fatalf("file holds %q, %v", data, err)
	}
	key := filepath.Join(t.TempDir(), "web.key")
	if err := os.WriteFile(key, pem.Encode(pem.TypePrivateKey, []byte{0x30, 0}), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := home.ExportChain(ctx, open, serial, key); err == nil {
		t.Error("a key file was replaced by a chain")
	}
	asked := false
	if _, err := home.ExportChain(ctx, func() *home.Home { asked = true; return h }, "xyz", "-"); !errors.Is(err, ca.ErrBadSerial) || asked {
		t.Errorf("bad serial: %v, home asked for: %v", err, asked)
	}
	if data, _ := os.ReadFile(key); !bytes.Contains(data, []byte("PRIVATE KEY")) {
		t.Error("the key file changed")
	}
}
