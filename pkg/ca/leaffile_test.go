package ca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// testCert makes a certificate for cn signed by parent (self-signed when
// parent is nil).
func testCert(t *testing.T, cn string, isCA bool, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: isCA, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, key
}

func TestParseLeafFile(t *testing.T) {
	root, rootKey := testCert(t, "Root", true, nil, nil)
	inter, interKey := testCert(t, "Issuing", true, root, rootKey)
	leaf, _ := testCert(t, "leaf", false, inter, interKey)
	other, _ := testCert(t, "Other Root", true, nil, nil)
	file := func(certs ...*x509.Certificate) []byte {
		var out []byte
		for _, c := range certs {
			out = append(out, pem.Encode(pem.TypeCertificate, c.Raw)...)
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		data    []byte
		want    int    // certificates returned
		problem string // in the error, when want is 0
	}{
		{"one PEM", file(leaf), 1, ""},
		{"one DER", leaf.Raw, 1, ""},
		{"leaf and chain", file(leaf, inter), 2, ""},
		{"leaf, chain and root", file(leaf, inter, root), 3, ""},
		{"an issuer's chain.pem", file(inter, root), 2, ""},
		{"unrelated", file(leaf, other), 0, "2 certificates that are not one certificate and its chain (certificate 2 did not sign certificate 1)"},
		{"out of order", file(inter, leaf), 0, "certificate 2 did not sign certificate 1"},
		{"a gap", file(leaf, root), 0, "1. CN=leaf"},
		{"cert and key", append(file(leaf), pem.Encode("PRIVATE KEY", []byte{0x30, 0})...), 0, `"PRIVATE KEY" block`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			certs, err := ParseLeafFile("f.pem", tc.data)
			if tc.want == 0 {
				if err == nil || !errors.Is(err, pem.ErrMalformed) || !strings.Contains(err.Error(), tc.problem) {
					t.Fatalf("err = %v, want ErrMalformed with %q", err, tc.problem)
				}
				return
			}
			if err != nil || len(certs) != tc.want {
				t.Fatalf("got %d certificates, %v; want %d", len(certs), err, tc.want)
			}
		})
	}
	c, err := ParseCertificateFile("f.pem", file(leaf, inter, root))
	if err != nil || !c.Equal(leaf) {
		t.Fatalf("ParseCertificateFile = %v, %v; want the leaf", c, err)
	}
}
