package verify

import (
	"crypto/x509"
	"errors"
	"testing"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// FuzzVerifyFile: whatever FILE holds, VerifyFile returns a result or an
// error wrapping ErrMalformed, never a panic.
func FuzzVerifyFile(f *testing.F) {
	p := build(f, spec{})
	f.Add(pem.Encode(pem.TypeCertificate, p.leaf.cert.Raw))
	f.Add(append(pem.Encode(pem.TypeCertificate, p.leaf.cert.Raw), pem.Encode(pem.TypeCertificate, p.inter.cert.Raw)...))
	f.Add(p.leaf.cert.Raw)
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	o := Options{Roots: []*x509.Certificate{p.root.cert}, Intermediates: []*x509.Certificate{p.inter.cert},
		DNSName: "www.example.com", Purpose: PurposeServer, At: testAt}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := VerifyFile(data, o)
		if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, pem.ErrTooLarge) {
			t.Fatalf("an error that is not ErrMalformed: %v", err)
		}
		if err == nil && res == nil {
			t.Fatal("no result and no error")
		}
	})
}

// FuzzCRL: whatever a --crl file holds, ParseCRLs either refuses it
// (ErrMalformed) or gives CRLs that Verify judges without a panic.
func FuzzCRL(f *testing.F) {
	p := build(f, spec{})
	f.Add(crl(f, p.inter, crlSpec{serials: []int64{3}}).List.Raw)
	f.Add(crl(f, p.inter, crlSpec{ext: ext(oidIDP, true, idpURI("http://example.com/a.crl"))}).List.Raw)
	f.Add(crl(f, p.root, crlSpec{ext: ext(oidIDP, true, idpOnlyEE)}).List.Raw)
	f.Add(pem.Encode(pem.TypeCRL, crl(f, p.root, crlSpec{}).List.Raw))
	o := Options{Roots: []*x509.Certificate{p.root.cert}, Intermediates: []*x509.Certificate{p.inter.cert}, At: testAt}
	f.Fuzz(func(t *testing.T, data []byte) {
		crls, err := ParseCRLs("fuzz.crl", data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, pem.ErrTooLarge) {
				t.Fatalf("an error that is not ErrMalformed: %v", err)
			}
			return
		}
		o.CRLs = crls
		if _, err := Verify([]*x509.Certificate{p.leaf.cert}, o); err != nil {
			t.Fatal(err)
		}
	})
}
