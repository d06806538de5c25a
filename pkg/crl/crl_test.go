package crl_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/internal/linttest"
	"github.com/ca-toolkit/ca/pkg/crl"
)

var (
	t0           = time.Date(2027, 3, 4, 5, 6, 7, 0, time.UTC)
	oidReason    = asn1.ObjectIdentifier{2, 5, 29, 21}
	oidInvalidty = asn1.ObjectIdentifier{2, 5, 29, 24}
)

// newIssuer makes a self-signed CA certificate for key with the given key usage.
func newIssuer(t testing.TB, key crypto.Signer, usage x509.KeyUsage, skid bool) *x509.Certificate {
	t.Helper()
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	var id []byte
	if skid {
		sum := sha1.Sum(pub)
		id = sum[:]
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "CRL Test CA", Country: []string{"DE"}},
		NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: usage, SubjectKeyId: id,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if !skid {
		// Go adds a subject key id to CA certificates by itself; the error
		// case needs an issuer without one.
		c.SubjectKeyId = nil
	}
	return c
}

func keys(t testing.TB) map[string]crypto.Signer {
	t.Helper()
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	r, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	return map[string]crypto.Signer{"ecdsa-p256": p256, "ecdsa-p384": p384, "rsa-2048": r, "ed25519": ed}
}

func TestCreate(t *testing.T) {
	reasons := []int{0, 1, 2, 3, 4, 5, 6, 9, 10}
	for name, key := range keys(t) {
		t.Run(name, func(t *testing.T) {
			issuer := newIssuer(t, key, x509.KeyUsageCertSign|x509.KeyUsageCRLSign|x509.KeyUsageDigitalSignature, true)
			for _, n := range []int{0, 1, len(reasons)} {
				t.Run(fmt.Sprintf("entries=%d", n), func(t *testing.T) {
					var entries []crl.Entry
					for i := range n {
						// Given out of order: the CRL sorts them.
						e := crl.Entry{Serial: big.NewInt(int64(1000 - i*7)), RevokedAt: t0.Add(-time.Duration(i) * time.Minute), Reason: reasons[i]}
						if i%2 == 1 {
							e.InvalidityDate = t0.Add(-24 * time.Hour)
						}
						entries = append(entries, e)
					}
					der, err := crl.Create(issuer, key, crl.Template{Number: big.NewInt(42), ThisUpdate: t0, NextUpdate: t0.Add(7 * 24 * time.Hour), Entries: entries})
					if err != nil {
						t.Fatal(err)
					}
					linttest.CRL(t, der)
					list, err := x509.ParseRevocationList(der)
					if err != nil {
						t.Fatal(err)
					}
					if err := list.CheckSignatureFrom(issuer); err != nil {
						t.Fatal(err)
					}
					if list.Number.Int64() != 42 || !list.ThisUpdate.Equal(t0) || !list.NextUpdate.Equal(t0.Add(7*24*time.Hour)) {
						t.Fatalf("number %s thisUpdate %s nextUpdate %s", list.Number, list.ThisUpdate, list.NextUpdate)
					}
					if string(list.AuthorityKeyId) != string(issuer.SubjectKeyId) {
						t.Fatal("authority key id is not the issuer's subject key id")
					}
					if len(list.RevokedCertificateEntries) != n {
						t.Fatalf("%d entries, want %d", len(list.RevokedCertificateEntries), n)
					}
					for i, e := range list.RevokedCertificateEntries {
						if i > 0 && list.RevokedCertificateEntries[i-1].SerialNumber.Cmp(e.SerialNumber) >= 0 {
							t.Fatal("entries not in serial order")
						}
						hasReason, hasInv := false, false
						for _, x := range e.Extensions {
							hasReason = hasReason || x.Id.Equal(oidReason)
							hasInv = hasInv || x.Id.Equal(oidInvalidty)
						}
						// RFC 5280, 5.3.1: no reasonCode for unspecified.
						if hasReason != (e.ReasonCode != 0) {
							t.Errorf("entry %s reason %d: reasonCode extension present %v", e.SerialNumber, e.ReasonCode, hasReason)
						}
						k := int(1000-e.SerialNumber.Int64()) / 7
						if e.ReasonCode != reasons[k] || !e.RevocationTime.Equal(t0.Add(-time.Duration(k)*time.Minute)) || hasInv != (k%2 == 1) {
							t.Errorf("entry %s: reason %d at %s, invalidity %v", e.SerialNumber, e.ReasonCode, e.RevocationTime, hasInv)
						}
					}
				})
			}
		})
	}
}

func TestCreateInvalid(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	good := newIssuer(t, key, x509.KeyUsageCertSign|x509.KeyUsageCRLSign, true)
	noCRLSign := newIssuer(t, key, x509.KeyUsageCertSign, true)
	noSKID := newIssuer(t, key, x509.KeyUsageCertSign|x509.KeyUsageCRLSign, false)
	ok := crl.Template{Number: big.NewInt(1), ThisUpdate: t0, NextUpdate: t0.Add(time.Hour)}
	for _, tc := range []struct {
		name   string
		issuer *x509.Certificate
		edit   func(*crl.Template)
	}{
		{"no cRLSign", noCRLSign, func(*crl.Template) {}},
		{"no subject key id", noSKID, func(*crl.Template) {}},
		{"nextUpdate equals thisUpdate", good, func(t *crl.Template) { t.NextUpdate = t.ThisUpdate }},
		{"nextUpdate before thisUpdate", good, func(t *crl.Template) { t.NextUpdate = t.ThisUpdate.Add(-time.Second) }},
		{"no number", good, func(t *crl.Template) { t.Number = nil }},
		{"zero number", good, func(t *crl.Template) { t.Number = big.NewInt(0) }},
		{"negative number", good, func(t *crl.Template) { t.Number = big.NewInt(-3) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmpl := ok
			tc.edit(&tmpl)
			if _, err := crl.Create(tc.issuer, key, tmpl); !errors.Is(err, crl.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
	if _, err := crl.Create(good, key, ok); err != nil {
		t.Fatalf("the good case fails: %v", err)
	}
}

// BenchmarkCreate measures Create against x509.CreateRevocationList on the
// same entries in the same loop; x-vs-x509 is the ratio.
func BenchmarkCreate(b *testing.B) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	issuer := newIssuer(b, key, x509.KeyUsageCertSign|x509.KeyUsageCRLSign, true)
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			entries := make([]crl.Entry, n)
			raw := make([]x509.RevocationListEntry, n)
			for i := range entries {
				s := new(big.Int).Lsh(big.NewInt(int64(i+1)), 120)
				entries[i] = crl.Entry{Serial: s, RevokedAt: t0, Reason: i % 6}
				raw[i] = x509.RevocationListEntry{SerialNumber: s, RevocationTime: t0, ReasonCode: i % 6}
			}
			var ours, theirs time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if _, err := crl.Create(issuer, key, crl.Template{Number: big.NewInt(1), ThisUpdate: t0, NextUpdate: t0.Add(time.Hour), Entries: entries}); err != nil {
					b.Fatal(err)
				}
				ours += time.Since(start)
				start = time.Now()
				if _, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: t0, NextUpdate: t0.Add(time.Hour), RevokedCertificateEntries: raw}, issuer, key); err != nil {
					b.Fatal(err)
				}
				theirs += time.Since(start)
			}
			b.ReportMetric(float64(ours)/float64(theirs), "x-vs-x509")
		})
	}
}
