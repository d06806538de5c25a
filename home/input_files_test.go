package home_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
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
	"github.com/ca-toolkit/ca/pkg/verify"
)

// issueLeaf signs and records a server certificate for cn by issuer ("" is
// the default) and returns its file (PEM, the leaf only), the certificate
// and its key.
func issueLeaf(t *testing.T, h *home.Home, issuer, cn string) (string, *x509.Certificate, crypto.Signer) {
	t.Helper()
	key, err := pem.GenerateKey(pem.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	der, err := csr.Create(key, csr.Template{Subject: pkix.Name{CommonName: cn, Organization: subject.Organization, Country: subject.Country}, DNSNames: []string{cn}})
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "leaf.csr")
	if err := os.WriteFile(in, pem.Encode(pem.TypeCSR, der), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "leaf.crt")
	rep, err := h.SignCSRs(context.Background(), home.SignConfig{Issuer: issuer, Options: ca.SignOptions{Profile: ca.ProfileServer, Validity: time.Hour},
		Inputs: []string{in}, Out: out, PreRead: 1 << 20})
	if err != nil || rep.Results[0].Err != nil {
		t.Fatalf("sign: %v, %+v", err, rep)
	}
	return out, rep.Results[0].Issued.Cert, key
}

// TestReadFiles reads certificate files the ways commands name them: a
// path, "-" for stdin, a missing file and a directory, each reader with
// the errors its commands give.
func TestReadFiles(t *testing.T) {
	h := newHome(t)
	file, cert, _ := issueLeaf(t, h, "", "web.example.com")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	missing, dir := filepath.Join(t.TempDir(), "missing.crt"), t.TempDir()
	readers := map[string]func(path string) (*x509.Certificate, error){
		"ReadCertificateFile": func(p string) (*x509.Certificate, error) { return home.ReadCertificateFile(bytes.NewReader(data), p) },
		"RevokeInput": func(p string) (*x509.Certificate, error) {
			l, err := home.RevokeInput{CertFiles: []string{p}, Reason: "unspecified"}.Parse(bytes.NewReader(data))
			if err != nil {
				return nil, err
			}
			return l.Certs[0], nil
		},
		"ReadLeafFile": func(p string) (*x509.Certificate, error) { return home.ReadLeafFile(bytes.NewReader(data), p) },
	}
	for _, tc := range []struct {
		reader, path string
		wantErr      error
		wantMsg      string
	}{
		{"ReadCertificateFile", file, nil, ""},
		{"ReadCertificateFile", "-", nil, ""},
		{"ReadCertificateFile", missing, ca.ErrNotFound, "ca: not found: " + missing},
		{"RevokeInput", file, nil, ""},
		{"RevokeInput", "-", nil, ""},
		{"RevokeInput", missing, fs.ErrNotExist, "read certificate: open " + missing},
		{"ReadLeafFile", file, nil, ""},
		{"ReadLeafFile", "-", nil, ""},
		{"ReadLeafFile", missing, fs.ErrNotExist, "read certificate: open " + missing},
		{"ReadLeafFile", dir, verify.ErrMalformed, "certificate " + dir + " is not a regular file"},
	} {
		t.Run(tc.reader+" "+filepath.Base(tc.path), func(t *testing.T) {
			got, err := readers[tc.reader](tc.path)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.wantMsg) {
					t.Fatalf("error %v, want %v saying %q", err, tc.wantErr, tc.wantMsg)
				}
				return
			}
			if err != nil || !got.Equal(cert) {
				t.Fatalf("%v, want the leaf", err)
			}
		})
	}
}

// TestDescribe: "ca show" of a file (or stdin) and of a serial; an
// argument that is neither a file nor a serial is ca.ErrNotFound, said
// without asking for the home (whose warnings would come first).
func TestDescribe(t *testing.T) {
	h := newHome(t)
	ctx := context.Background()
	file, cert, _ := issueLeaf(t, h, "", "web.example.com")
	for _, arg := range []string{file, "-"} {
		if !home.IsFileArg(arg) {
			t.Errorf("IsFileArg(%q) is false", arg)
		}
	}
	if home.IsFileArg(ca.FormatSerial(cert.SerialNumber)) {
		t.Error("a serial is taken for a file")
	}
	data, _ := os.ReadFile(file)
	d, err := home.DescribeFile(bytes.NewReader(data), "-")
	if info, ok := d.(*ca.CertificateInfo); err != nil || !ok || info.Serial != ca.FormatSerial(cert.SerialNumber) {
		t.Fatalf("DescribeFile: %T %v", d, err)
	}
	if _, err := home.DescribeFile(nil, filepath.Join(t.TempDir(), "missing")); !errors.Is(err, ca.ErrNotFound) {
		t.Errorf("missing file: %v, want ErrNotFound", err)
	}
	asked := false
	homeOf := func() *home.Home { asked = true; return h }
	if _, err := home.DescribeSerial(ctx, homeOf, "web.crt"); !errors.Is(err, ca.ErrNotFound) || !strings.Contains(err.Error(), `"web.crt" is neither a file nor a serial`) || asked {
		t.Errorf("neither: %v (home asked for: %v)", err, asked)
	}
	info, err := home.DescribeSerial(ctx, homeOf, ca.FormatSerial(cert.SerialNumber))
	if err != nil || info.Status != "valid" || info.IssuerName != "root" {
		t.Fatalf("DescribeSerial: %+v, %v", info, err)
	}
}
