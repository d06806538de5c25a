package tlsendpoint

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"strconv"
	"testing"
	"time"
)

// FuzzCheckCRL feeds CheckCRL (through crlDER, as FetchCRL does) a CRL body
// that a server or a file supplied: it never panics, and it never answers
// good or revoked for a CRL whose signature does not verify against the issuer.
func FuzzCheckCRL(f *testing.F) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Now()
	itmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Fuzz Issuer"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		SubjectKeyId: []byte{1, 2, 3, 4}}
	ider, err := x509.CreateCertificate(rand.Reader, itmpl, itmpl, key.Public(), key)
	if err != nil {
		f.Fatal(err)
	}
	issuer, _ := x509.ParseCertificate(ider)
	ltmpl := &x509.Certificate{SerialNumber: big.NewInt(77), Subject: pkix.Name{CommonName: "leaf"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}
	lder, err := x509.CreateCertificate(rand.Reader, ltmpl, issuer, key.Public(), key)
	if err != nil {
		f.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(lder)
	for _, serials := range [][]int64{{77}, {5, 6}, {}} {
		var entries []x509.RevocationListEntry
		for _, s := range serials {
			entries = append(entries, x509.RevocationListEntry{SerialNumber: big.NewInt(s), RevocationTime: now.Add(-time.Minute)})
		}
		der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: now.Add(-time.Minute),
			NextUpdate: now.Add(time.Hour), RevokedCertificateEntries: entries}, issuer, key)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der)
		f.Add(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}))
	}
	f.Add([]byte("-----BEGIN X509 CRL-----\n-----END X509 CRL-----\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		der, err := crlDER(body)
		if err != nil {
			return
		}
		got, err := CheckCRL(der, leaf, issuer, now)
		if err != nil {
			if got != RevocationUnchecked {
				t.Fatalf("an error with revocation %q", got)
			}
			return
		}
		crl, perr := x509.ParseRevocationList(der)
		if perr != nil || crl.CheckSignatureFrom(issuer) != nil {
			t.Fatalf("answered %q for a CRL that does not verify", got)
		}
	})
}

// FuzzParseAddress: the probe's target parser never panics, and what it
// accepts dials a host and a port from 1 to 65535.
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"localhost:8443", "example.com", "[::1]:443", "::1", "https://example.com:8443/x?y", "http://x", "host:0", "host:99999", ":443", "https://[::1]/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		tg, err := parseAddress(addr)
		if err != nil {
			return
		}
		h, p, err := net.SplitHostPort(tg.hostport)
		if err != nil || h == "" {
			t.Fatalf("%q -> hostport %q: %v", addr, tg.hostport, err)
		}
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			t.Fatalf("%q -> port %q", addr, p)
		}
		if tg.path == "" {
			t.Fatalf("%q -> empty path", addr)
		}
	})
}
