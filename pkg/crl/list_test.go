package crl_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/crl"
)

// TestParse reads back what Create made, for every key type: header,
// entries in serial order with reason codes and invalidity dates, and Find.
func TestParse(t *testing.T) {
	for name, key := range keys(t) {
		t.Run(name, func(t *testing.T) {
			issuer := newIssuer(t, key, x509.KeyUsageCertSign|x509.KeyUsageCRLSign, true)
			var entries []crl.Entry
			for i := range 20 {
				e := crl.Entry{Serial: new(big.Int).Lsh(big.NewInt(int64(50-i)), 150), RevokedAt: t0.Add(-time.Duration(i) * time.Hour), Reason: i % 7}
				if i%3 == 0 {
					e.InvalidityDate = t0.Add(-48 * time.Hour)
				}
				entries = append(entries, e)
			}
			der, err := crl.Create(issuer, key, crl.Template{Number: big.NewInt(7), ThisUpdate: t0, NextUpdate: t0.Add(time.Hour), Entries: entries})
			if err != nil {
				t.Fatal(err)
			}
			l, err := crl.Parse(der, issuer)
			if err != nil {
				t.Fatal(err)
			}
			if l.Number.Int64() != 7 || !l.ThisUpdate.Equal(t0) || !l.NextUpdate.Equal(t0.Add(time.Hour)) {
				t.Fatalf("number %s thisUpdate %s nextUpdate %s", l.Number, l.ThisUpdate, l.NextUpdate)
			}
			byserial := map[string]crl.Entry{}
			for _, e := range entries {
				byserial[e.Serial.String()] = e
			}
			var prev *big.Int
			n := 0
			for e, err := range l.Entries() {
				if err != nil {
					t.Fatal(err)
				}
				want := byserial[e.Serial.String()]
				if want.Serial == nil || !e.RevokedAt.Equal(want.RevokedAt) || e.Reason != want.Reason || !e.InvalidityDate.Equal(want.InvalidityDate) {
					t.Errorf("entry %x: %+v, want %+v", e.Serial, e, want)
				}
				if prev != nil && prev.Cmp(e.Serial) >= 0 {
					t.Error("entries out of serial order")
				}
				prev = e.Serial
				n++
			}
			if n != len(entries) {
				t.Fatalf("%d entries, want %d", n, len(entries))
			}
			e, ok, err := l.Find(entries[4].Serial)
			if err != nil || !ok || e.Reason != entries[4].Reason {
				t.Fatalf("Find(listed) = %+v, %v, %v", e, ok, err)
			}
			if _, ok, err := l.Find(big.NewInt(12345)); ok || err != nil {
				t.Fatalf("Find(not listed) = %v, %v", ok, err)
			}
		})
	}
}

// TestParseRefuses: another issuer's CRL, a CRL whose signed bytes were
// changed, and bytes that are no CRL are each refused with their error.
func TestParseRefuses(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	issuer := newIssuer(t, key, x509.KeyUsageCertSign|x509.KeyUsageCRLSign, true)
	// The same subject under another key: the name matches, the signature does not.
	impostor := newIssuer(t, other, x509.KeyUsageCertSign|x509.KeyUsageCRLSign, true)
	der, err := crl.Create(issuer, key, crl.Template{Number: big.NewInt(3), ThisUpdate: t0, NextUpdate: t0.Add(time.Hour),
		Entries: []crl.Entry{{Serial: big.NewInt(0x1234567), RevokedAt: t0}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crl.Parse(der, impostor); !errors.Is(err, crl.ErrSignature) {
		t.Errorf("another key: err = %v, want ErrSignature", err)
	}
	// The serial 0x1234567 is in the signed part: change one of its bytes.
	edited := append([]byte(nil), der...)
	for i := range edited {
		if edited[i] == 0x23 && edited[i+1] == 0x45 && edited[i+2] == 0x67 {
			edited[i+2] = 0x68
			break
		}
	}
	if _, err := crl.Parse(edited, issuer); !errors.Is(err, crl.ErrSignature) {
		t.Errorf("edited entry: err = %v, want ErrSignature", err)
	}
	for name, bad := range map[string][]byte{
		"empty":     nil,
		"truncated": der[:len(der)-5],
		"trailing":  append(append([]byte(nil), der...), 0),
		"garbage":   []byte("-----BEGIN X509 CRL-----"),
	} {
		if _, err := crl.Parse(bad, issuer); !errors.Is(err, crl.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

// FuzzParse: Parse never panics, and what it accepts x509 reads too.
func FuzzParse(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	issuer := newIssuer(f, key, x509.KeyUsageCertSign|x509.KeyUsageCRLSign, true)
	der, err := crl.Create(issuer, key, crl.Template{Number: big.NewInt(3), ThisUpdate: t0, NextUpdate: t0.Add(time.Hour),
		Entries: []crl.Entry{{Serial: big.NewInt(5), RevokedAt: t0, Reason: 1}, {Serial: big.NewInt(9), RevokedAt: t0, InvalidityDate: t0}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(der)
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := crl.Parse(b, issuer)
		if err != nil {
			return
		}
		for _, err := range l.Entries() {
			if err != nil {
				break
			}
		}
		if _, err := x509.ParseRevocationList(b); err != nil {
			t.Fatalf("Parse accepted what x509 refuses: %v", err)
		}
	})
}
