package ca_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

func TestDescribe(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(0x3f), Subject: pkix.Name{CommonName: "Describe CA"}, NotBefore: now,
		NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, SubjectKeyId: []byte{1, 2}}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(certDER)
	crlDER, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(2), ThisUpdate: now, NextUpdate: now.Add(time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: big.NewInt(9), RevocationTime: now, ReasonCode: 1}}}, cert, key)
	if err != nil {
		t.Fatal(err)
	}
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "a.example.com"}, DNSNames: []string{"a.example.com"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"certificate DER", certDER, "certificate"},
		{"certificate PEM", pem.Encode(pem.TypeCertificate, certDER), "certificate"},
		{"CRL DER", crlDER, "crl"},
		{"CSR PEM", pem.Encode(pem.TypeCSR, csrDER), "csr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := ca.Describe("in", tc.data)
			if err != nil {
				t.Fatal(err)
			}
			switch d := v.(type) {
			case *ca.CertificateInfo:
				if tc.want != "certificate" || d.Serial != "3f" || d.PathLen == nil || *d.PathLen != 0 || len(d.KeyUsage) != 2 {
					t.Errorf("%+v", d)
				}
			case *ca.CRLInfo:
				if tc.want != "crl" || d.Number != "2" || len(d.Entries) != 1 || d.Entries[0].Reason != ca.Reason(1).String() {
					t.Errorf("%+v", d)
				}
			case *ca.RequestInfo:
				if tc.want != "csr" || !d.SignatureValid || len(d.SANs) != 1 {
					t.Errorf("%+v", d)
				}
			default:
				t.Errorf("Describe gave %T", v)
			}
		})
	}
	if _, err := ca.Describe("junk", []byte("garbage")); !errors.Is(err, pem.ErrMalformed) {
		t.Errorf("garbage: %v", err)
	}
	large := append(pem.Encode(pem.TypeCertificate, certDER), bytes.Repeat([]byte("\n"), pem.MaxSize)...)
	if _, err := ca.Describe("big", large); !errors.Is(err, pem.ErrTooLarge) {
		t.Errorf("over MaxSize: %v", err)
	}
}
