package publish

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// FuzzParseRequest: no input makes parseRequest panic, and what it
// accepts names a hash it knows and keeps the CertID it echoes.
func FuzzParseRequest(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Fuzz"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	cert, _ := x509.ParseCertificate(der)
	for _, h := range certIDHashes {
		req, err := ocsp.CreateRequest(cert, cert, &ocsp.RequestOptions{Hash: h})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(req)
	}
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseRequest(data)
		if err != nil {
			return
		}
		if r.hash == 0 || len(r.certID) == 0 || r.serial == nil {
			t.Fatalf("accepted %x as %+v", data, r)
		}
	})
}
