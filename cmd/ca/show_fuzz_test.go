package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// FuzzShowDecode feeds "ca show -" (decodeFile on stdin) arbitrary bytes: a
// certificate, CSR or CRL in PEM or DER, or garbage. It never panics, and
// what it decodes renders as text and as JSON.
func FuzzShowDecode(f *testing.F) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Fuzz CA"}, NotBefore: time.Now(),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCRLSign | x509.KeyUsageCertSign,
		SubjectKeyId: []byte{1, 2, 3}}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		f.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(certDER)
	crlDER, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(3), ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: big.NewInt(9), RevocationTime: time.Now(), ReasonCode: 1}},
	}, cert, key)
	if err != nil {
		f.Fatal(err)
	}
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "a.example.com"}, DNSNames: []string{"a.example.com"}}, key)
	if err != nil {
		f.Fatal(err)
	}
	for _, der := range [][]byte{certDER, crlDER, csrDER} {
		f.Add(der)
	}
	f.Add(pem.Encode(pem.TypeCertificate, certDER))
	f.Add(pem.Encode(pem.TypeCRL, crlDER))
	f.Add(pem.Encode(pem.TypeCSR, csrDER))
	f.Add(pem.Encode(pem.TypeCRL, certDER))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, output := range []string{"text", "json"} {
			var out bytes.Buffer
			g := newGlobals(bytes.NewReader(data), &out, io.Discard, nil)
			g.output = output
			v, err := home.DescribeFile(g.stdin, "-")
			if err != nil {
				if exitCode(err) == exitFailed {
					t.Fatalf("bad input is exit 1, not a usage or refusal code: %v", err)
				}
				return
			}
			if err := g.renderText(v); err != nil {
				t.Fatalf("render %s: %v", output, err)
			}
		}
	})
}
