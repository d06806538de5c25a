package verify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"net"
	"testing"
	"time"
)

// The test PKI: root -> issuing -> leaf, all ECDSA P-256, made by
// crypto/x509 and then, where a case needs what crypto/x509 will not
// write, edited at the DER level and signed again.

var testAt = time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)

var (
	oidECDSASHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSASHA1   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
)

// tbsCert is a TBSCertificate (RFC 5280, 4.1) with its parts kept raw.
type tbsCert struct {
	Raw        asn1.RawContent
	Version    int `asn1:"optional,explicit,default:0,tag:0"`
	Serial     asn1.RawValue
	SigAlg     asn1.RawValue
	Issuer     asn1.RawValue
	Validity   asn1.RawValue
	Subject    asn1.RawValue
	SPKI       asn1.RawValue
	Extensions []pkix.Extension `asn1:"optional,explicit,tag:3"`
}

// tbsCRL is a TBSCertList (RFC 5280, 5.1) with at least one entry.
type tbsCRL struct {
	Raw        asn1.RawContent
	Version    int
	SigAlg     asn1.RawValue
	Issuer     asn1.RawValue
	ThisUpdate asn1.RawValue
	NextUpdate asn1.RawValue
	Revoked    asn1.RawValue
	Extensions []pkix.Extension `asn1:"optional,explicit,tag:0"`
}

type node struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newKey(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signed wraps tbs in a certificate or CRL signed by key (SHA-256, or
// SHA-1 when weak).
func signed(t testing.TB, tbs []byte, key *ecdsa.PrivateKey, weak bool) []byte {
	t.Helper()
	oid, digest := oidECDSASHA256, sha256.Sum256(tbs)
	d := digest[:]
	if weak {
		h := sha1.Sum(tbs)
		oid, d = oidECDSASHA1, h[:]
	}
	sig, err := ecdsa.SignASN1(rand.Reader, key, d)
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal(struct {
		TBS asn1.RawValue
		Alg pkix.AlgorithmIdentifier
		Sig asn1.BitString
	}{asn1.RawValue{FullBytes: tbs}, pkix.AlgorithmIdentifier{Algorithm: oid}, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func algID(t testing.TB, weak bool) asn1.RawValue {
	oid := oidECDSASHA256
	if weak {
		oid = oidECDSASHA1
	}
	der, err := asn1.Marshal(pkix.AlgorithmIdentifier{Algorithm: oid})
	if err != nil {
		t.Fatal(err)
	}
	return asn1.RawValue{FullBytes: der}
}

// edit re-signs der (made by crypto/x509) after edit changed its TBS.
func editCert(t testing.TB, der []byte, signer *ecdsa.PrivateKey, weak bool, edit func(*tbsCert)) []byte {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	var tbs tbsCert
	if _, err := asn1.Unmarshal(c.RawTBSCertificate, &tbs); err != nil {
		t.Fatal(err)
	}
	tbs.Raw = nil
	tbs.SigAlg = algID(t, weak)
	if edit != nil {
		edit(&tbs)
	}
	raw, err := asn1.Marshal(tbs)
	if err != nil {
		t.Fatal(err)
	}
	return signed(t, raw, signer, weak)
}

// mint makes a certificate from tmpl signed by parent (nil: self-signed),
// then applies edit (nil: none) and signs again; weak signs with SHA-1.
func mint(t testing.TB, tmpl *x509.Certificate, key *ecdsa.PrivateKey, pub crypto.PublicKey, parent *node, edit func(*tbsCert), weak bool) *node {
	t.Helper()
	pc, pk := tmpl, key
	if parent != nil {
		pc, pk = parent.cert, parent.key
	}
	if pub == nil {
		pub = key.Public()
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, pc, pub, pk)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil || weak {
		der = editCert(t, der, pk, weak, edit)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("the edited certificate does not parse: %v", err)
	}
	return &node{cert: c, key: key}
}

func rootTemplate() *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test Root"},
		NotBefore: testAt.AddDate(-1, 0, 0), NotAfter: testAt.AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
}

func interTemplate() *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Test Issuing"},
		NotBefore: testAt.AddDate(-1, 0, 0), NotAfter: testAt.AddDate(5, 0, 0),
		IsCA: true, BasicConstraintsValid: true, MaxPathLen: 0, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
}

func leafTemplate() *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "www.example.com"},
		NotBefore: testAt.AddDate(0, -1, 0), NotAfter: testAt.AddDate(0, 2, 0),
		DNSNames: []string{"www.example.com"}, IPAddresses: []net.IP{net.ParseIP("192.0.2.1")},
		EmailAddresses: []string{"Admin@example.com"},
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
		SubjectKeyId: []byte{1, 2, 3, 4},
	}
}

// spec says how a case's chain differs from the good one.
type spec struct {
	root, inter, leaf          func(*x509.Certificate)
	rootTBS, interTBS, leafTBS func(*tbsCert)
	leafWeak                   bool
	leafKey                    *ecdsa.PrivateKey
}

type testPKI struct{ root, inter, leaf *node }

func build(t testing.TB, s spec) *testPKI {
	t.Helper()
	tmpl := func(base *x509.Certificate, tweak func(*x509.Certificate)) *x509.Certificate {
		if tweak != nil {
			tweak(base)
		}
		return base
	}
	rk, ik := newKey(t, elliptic.P256()), newKey(t, elliptic.P256())
	lk := s.leafKey
	if lk == nil {
		lk = newKey(t, elliptic.P256())
	}
	p := &testPKI{}
	p.root = mint(t, tmpl(rootTemplate(), s.root), rk, nil, nil, s.rootTBS, false)
	p.inter = mint(t, tmpl(interTemplate(), s.inter), ik, nil, p.root, s.interTBS, false)
	p.leaf = mint(t, tmpl(leafTemplate(), s.leaf), lk, nil, p.inter, s.leafTBS, s.leafWeak)
	return p
}

// crlSpec says what a test CRL holds.
type crlSpec struct {
	this, next time.Time
	serials    []int64          // revoked, besides an unrelated 999
	ext        []pkix.Extension // extra CRL extensions
	entryExt   []pkix.Extension // extra extensions of the 999 entry
	edit       func(*tbsCRL)    // a change at the DER level
}

// crl makes a CRL signed by issuer's key under issuer's name.
func crl(t testing.TB, issuer *node, s crlSpec) *CRL {
	t.Helper()
	if s.this.IsZero() {
		s.this, s.next = testAt.AddDate(0, 0, -1), testAt.AddDate(0, 0, 6)
	}
	entries := []x509.RevocationListEntry{{SerialNumber: big.NewInt(999), RevocationTime: s.this.Add(-time.Hour), ExtraExtensions: s.entryExt}}
	for _, n := range s.serials {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: big.NewInt(n), RevocationTime: s.this.Add(-time.Hour), ReasonCode: 1})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(7), ThisUpdate: s.this, NextUpdate: s.next, RevokedCertificateEntries: entries, ExtraExtensions: s.ext,
	}, issuer.cert, issuer.key)
	if err != nil {
		t.Fatal(err)
	}
	if s.edit != nil {
		l, err := x509.ParseRevocationList(der)
		if err != nil {
			t.Fatal(err)
		}
		var tbs tbsCRL
		if _, err := asn1.Unmarshal(l.RawTBSRevocationList, &tbs); err != nil {
			t.Fatal(err)
		}
		tbs.Raw = nil
		s.edit(&tbs)
		raw, err := asn1.Marshal(tbs)
		if err != nil {
			t.Fatal(err)
		}
		der = signed(t, raw, issuer.key, false)
	}
	crls, err := ParseCRLs("test.crl", der)
	if err != nil {
		t.Fatal(err)
	}
	return crls[0]
}

// setExt replaces (or adds) the extension oid in exts; a nil value removes it.
func setExt(exts []pkix.Extension, oid asn1.ObjectIdentifier, critical bool, value []byte) []pkix.Extension {
	out := exts[:0:0]
	for _, e := range exts {
		if !e.Id.Equal(oid) {
			out = append(out, e)
		}
	}
	if value != nil {
		out = append(out, pkix.Extension{Id: oid, Critical: critical, Value: value})
	}
	return out
}

// critical flips the criticality of extension oid.
func critical(oid asn1.ObjectIdentifier, crit bool) func(*tbsCert) {
	return func(t *tbsCert) {
		for i := range t.Extensions {
			if t.Extensions[i].Id.Equal(oid) {
				t.Extensions[i].Critical = crit
			}
		}
	}
}

func remove(oid asn1.ObjectIdentifier) func(*tbsCert) {
	return func(t *tbsCert) { t.Extensions = setExt(t.Extensions, oid, false, nil) }
}

func mustDER(v any) []byte {
	der, err := asn1.Marshal(v)
	if err != nil {
		panic(err)
	}
	return der
}

func generateKey(c elliptic.Curve) (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(c, rand.Reader)
}

var randReader = rand.Reader

type ecdsaKey = ecdsa.PrivateKey
