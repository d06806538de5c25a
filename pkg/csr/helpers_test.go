package csr

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"net"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Keys are made once per test binary: RSA generation is slow.
var (
	testP256    = sync.OnceValue(func() *ecdsa.PrivateKey { return mustECDSA(elliptic.P256()) })
	testP384    = sync.OnceValue(func() *ecdsa.PrivateKey { return mustECDSA(elliptic.P384()) })
	testP224    = sync.OnceValue(func() *ecdsa.PrivateKey { return mustECDSA(elliptic.P224()) })
	testP521    = sync.OnceValue(func() *ecdsa.PrivateKey { return mustECDSA(elliptic.P521()) })
	testIssuer  = sync.OnceValue(func() *ecdsa.PrivateKey { return mustECDSA(elliptic.P256()) })
	testRSA2048 = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA(2048) })
	testRSA1024 = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA(1024) })
	testEd25519 = sync.OnceValue(func() ed25519.PrivateKey {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})
)

func mustECDSA(c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

func mustRSA(bits int) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic(err)
	}
	return k
}

// testIssuerCert is a self-signed CA with subject C=DE, O=Example, CN=Example Root.
var testIssuerCert = sync.OnceValue(func() *x509.Certificate {
	return mustIssuer(&x509.Certificate{
		Subject: pkix.Name{Country: []string{"DE"}, Organization: []string{"Example"}, CommonName: "Example Root"},
	})
})

// mustIssuer makes a CA certificate from tmpl (name constraints and all),
// signed by testIssuer, and parses it back.
func mustIssuer(tmpl *x509.Certificate) *x509.Certificate {
	tmpl.SerialNumber = big.NewInt(1)
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	tmpl.IsCA = true
	tmpl.BasicConstraintsValid = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, testIssuer().Public(), testIssuer())
	if err != nil {
		panic(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return c
}

// specPolicy is the example policy of SPEC.md.
const specPolicy = `{
  "subject": {
    "C":  "match",
    "O":  "match",
    "OU": {"rule": "optional", "allow": ["Devices", "Servers"]},
    "CN": {"rule": "supplied", "pattern": "^[a-z0-9-]+(\\.[a-z0-9-]+)*$", "maxLength": 64},
    "L":  "optional",
    "ST": "optional"
  },
  "unlisted": "reject",
  "san": {
    "dns":   {"allow": ["example.com", "*.example.com"], "deny": ["*.corp.example.com"]},
    "ip":    "any",
    "email": {"allow": ["example.com"]},
    "uri":   {"allow": ["spiffe://example.com/*"]}
  },
  "keyTypes": ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096", "ed25519"],
  "maxValidity": "397d",
  "profiles": ["server", "client", "device"]
}`

func mustPolicy(t testing.TB, s string) *Policy {
	t.Helper()
	p, err := ParsePolicy([]byte(s))
	if err != nil {
		t.Fatalf("ParsePolicy: %v", err)
	}
	return p
}

var (
	oidCN     = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidC      = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidO      = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOU     = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidL      = asn1.ObjectIdentifier{2, 5, 4, 7}
	oidSerial = asn1.ObjectIdentifier{2, 5, 4, 5}
)

func rdn(oid asn1.ObjectIdentifier, v any) pkix.RelativeDistinguishedNameSET {
	return pkix.RelativeDistinguishedNameSET{{Type: oid, Value: v}}
}

// baseRequest passes the spec policy and the server env.
func baseRequest() Request {
	return Request{
		Subject: pkix.RDNSequence{
			rdn(oidC, "DE"),
			rdn(oidO, "Example"),
			rdn(oidCN, "www.example.com"),
		},
		DNSNames:  []string{"www.example.com"},
		PublicKey: testP256().Public(),
	}
}

func serverEnv() Env {
	return Env{
		Profile:     "server",
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		RequireSAN:  true,
		CNMustBeSAN: true,
		Validity:    90 * day,
		Issuer:      testIssuerCert(),
		IssuerKeys:  []crypto.PublicKey{testIssuer().Public()},
	}
}

// failures returns "Field/Rule" of the failed checks, sorted.
func failures(j Judgement) []string {
	var out []string
	for _, c := range j.Failures() {
		out = append(out, c.Field+"/"+c.Rule)
	}
	sort.Strings(out)
	return out
}

func checkFailures(t *testing.T, j Judgement, want []string) {
	t.Helper()
	got := failures(j)
	w := slices.Clone(want)
	sort.Strings(w)
	if !slices.Equal(got, w) {
		t.Errorf("failures = %v, want %v", got, w)
		for _, c := range j.Failures() {
			t.Logf("  %s %s %q: %s", c.Field, c.Rule, c.Value, c.Reason)
		}
	}
	if (len(w) == 0) != (j.Err() == nil) {
		t.Errorf("Err() = %v with %d failures", j.Err(), len(w))
	}
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustCIDR(s string) *net.IPNet {
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		panic(err)
	}
	return n
}

func ext(t testing.TB, oid asn1.ObjectIdentifier, critical bool, v any) pkix.Extension {
	t.Helper()
	var der []byte
	switch v := v.(type) {
	case []byte:
		der = v
	default:
		var err error
		if der, err = asn1.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	return pkix.Extension{Id: oid, Critical: critical, Value: der}
}

// Hand-built requests, for what crypto/x509 will not make.

type handTBS struct {
	Version    int
	Subject    asn1.RawValue
	PublicKey  asn1.RawValue
	Attributes []asn1.RawValue `asn1:"tag:0"`
}

type handCSR struct {
	TBS       asn1.RawValue
	Algorithm pkix.AlgorithmIdentifier
	Signature asn1.BitString
}

var (
	oidSHA1WithRSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidMD5WithRSA      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 4}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
)

// extensionRequestAttr encodes an extensionRequest attribute (RFC 2985, 5.4.2).
func extensionRequestAttr(t testing.TB, exts []pkix.Extension) asn1.RawValue {
	t.Helper()
	extsDER, err := asn1.Marshal(exts)
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal(struct {
		ID     asn1.ObjectIdentifier
		Values []asn1.RawValue `asn1:"set"`
	}{oidExtensionRequest, []asn1.RawValue{{FullBytes: extsDER}}})
	if err != nil {
		t.Fatal(err)
	}
	return asn1.RawValue{FullBytes: der}
}

// handRequest encodes a CertificationRequestInfo (RFC 2986, 4.1).
func handRequest(t testing.TB, version int, subject pkix.RDNSequence, spki []byte, attrs []asn1.RawValue) []byte {
	t.Helper()
	subj, err := asn1.Marshal(subject)
	if err != nil {
		t.Fatal(err)
	}
	if attrs == nil {
		attrs = []asn1.RawValue{}
	}
	tbs, err := asn1.Marshal(handTBS{Version: version, Subject: asn1.RawValue{FullBytes: subj}, PublicKey: asn1.RawValue{FullBytes: spki}, Attributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	return tbs
}

// wrapRequest makes a CertificationRequest of tbs, algorithm and signature.
func wrapRequest(t testing.TB, tbs []byte, alg asn1.ObjectIdentifier, sig []byte) []byte {
	t.Helper()
	ai := pkix.AlgorithmIdentifier{Algorithm: alg}
	if alg[len(alg)-2] == 1 { // the RSA family takes NULL parameters
		ai.Parameters = asn1.NullRawValue
	}
	der, err := asn1.Marshal(handCSR{TBS: asn1.RawValue{FullBytes: tbs}, Algorithm: ai, Signature: asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// signECDSA signs tbs with SHA-256 and wraps it.
func signECDSA(t testing.TB, tbs []byte, key *ecdsa.PrivateKey) []byte {
	t.Helper()
	h := sha256.Sum256(tbs)
	sig, err := ecdsa.SignASN1(rand.Reader, key, h[:])
	if err != nil {
		t.Fatal(err)
	}
	return wrapRequest(t, tbs, oidECDSAWithSHA256, sig)
}

// signRSASHA1 signs tbs with SHA-1 and PKCS#1 v1.5 and wraps it.
func signRSASHA1(t testing.TB, tbs []byte, key *rsa.PrivateKey) []byte {
	t.Helper()
	h := sha1.Sum(tbs)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA1, h[:])
	if err != nil {
		t.Fatal(err)
	}
	return wrapRequest(t, tbs, oidSHA1WithRSA, sig)
}

func spkiOf(t testing.TB, pub crypto.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// parseRequest parses a DER request that must parse and turns it into a Request.
func parseRequest(t testing.TB, der []byte) Request {
	t.Helper()
	c, err := ParseDER(der)
	if err != nil {
		t.Fatalf("ParseDER: %v", err)
	}
	r, err := RequestFromCSR(c)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
