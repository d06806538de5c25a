package csr

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"
)

func TestCreateParseRoundTrip(t *testing.T) {
	tmpl := Template{
		Subject:        pkix.Name{CommonName: "www.example.com", Organization: []string{"Example"}, Country: []string{"DE"}},
		DNSNames:       []string{"www.example.com", "example.com"},
		IPAddresses:    []net.IP{net.ParseIP("192.0.2.1").To4(), net.ParseIP("2001:db8::1")},
		EmailAddresses: []string{"ops@example.com"},
		URIs:           []*url.URL{mustURL(t, "spiffe://example.com/web")},
	}
	tests := []struct {
		name    string
		key     crypto.Signer
		alg     x509.SignatureAlgorithm
		keyType string
	}{
		{"ecdsa-p256", testP256(), x509.ECDSAWithSHA256, "ecdsa-p256"},
		{"ecdsa-p384", testP384(), x509.ECDSAWithSHA384, "ecdsa-p384"},
		{"rsa-2048", testRSA2048(), x509.SHA256WithRSA, "rsa-2048"},
		{"ed25519", testEd25519(), x509.PureEd25519, "ed25519"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			der, err := Create(tt.key, tmpl)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			c, err := ParseDER(der)
			if err != nil {
				t.Fatalf("ParseDER: %v", err)
			}
			if c.SignatureAlgorithm != tt.alg {
				t.Errorf("signature algorithm %v, want %v", c.SignatureAlgorithm, tt.alg)
			}
			if kt, err := KeyTypeOf(c.PublicKey); err != nil || kt != tt.keyType {
				t.Errorf("KeyTypeOf = %q, %v; want %q", kt, err, tt.keyType)
			}
			r, err := RequestFromCSR(c)
			if err != nil {
				t.Fatalf("RequestFromCSR: %v", err)
			}
			if len(r.DNSNames) != 2 || len(r.IPAddresses) != 2 || len(r.EmailAddresses) != 1 || len(r.URIs) != 1 {
				t.Errorf("names lost: %+v", r)
			}
			j := mustPolicy(t, specPolicy).Judge(r, serverEnv())
			checkFailures(t, j, nil)
		})
	}
}

func TestCreateRefusesUnsupportedKeys(t *testing.T) {
	tests := []struct {
		name string
		key  crypto.Signer
	}{
		{"p224", testP224()},
		{"p521", testP521()},
		{"nil", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Create(tt.key, Template{Subject: pkix.Name{CommonName: "x"}}); err == nil || !strings.HasPrefix(err.Error(), "csr: ") {
				t.Errorf("Create = %v, want a csr: error", err)
			}
		})
	}
}

// goodCSR is a valid request made by Create.
func goodCSR(t *testing.T) []byte {
	t.Helper()
	der, err := Create(testP256(), Template{Subject: pkix.Name{CommonName: "www.example.com"}, DNSNames: []string{"www.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestParseDERMalformed(t *testing.T) {
	good := goodCSR(t)
	tests := []struct {
		name string
		der  []byte
	}{
		{"empty", nil},
		{"garbage", []byte("this is not DER at all")},
		{"truncated", good[:len(good)/2]},
		{"trailing data", append(bytes.Clone(good), 0x00)},
		{"oversize", make([]byte, MaxInputSize+1)},
		{"a certificate", testIssuerCert().Raw},
		{"version 1", signECDSA(t, handRequest(t, 1, pkix.RDNSequence{rdn(oidCN, "x")}, spkiOf(t, testP256().Public()), nil), testP256())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDER(tt.der)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseDER = %v, want ErrMalformed", err)
			}
			if !strings.HasPrefix(err.Error(), "csr: ") {
				t.Errorf("message %q lacks the csr: prefix", err)
			}
		})
	}
}

func TestParseDERSignatures(t *testing.T) {
	// A SHA-1 request: Go will not make one, so sign the TBS of a
	// SHA-256 request again with SHA-1 and wrap it by hand.
	rsaDER, err := Create(testRSA2048(), Template{Subject: pkix.Name{CommonName: "www.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := x509.ParseCertificateRequest(rsaDER)
	if err != nil {
		t.Fatal(err)
	}
	sha1DER := signRSASHA1(t, rc.RawTBSCertificateRequest, testRSA2048())
	// The SHA-1 signature itself is good: it must be refused for its hash.
	parsed, err := x509.ParseCertificateRequest(sha1DER)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha1.Sum(parsed.RawTBSCertificateRequest)
	if err := rsa.VerifyPKCS1v15(&testRSA2048().PublicKey, crypto.SHA1, digest[:], parsed.Signature); err != nil {
		t.Fatalf("hand-made SHA-1 signature does not verify: %v", err)
	}
	md5DER := wrapRequest(t, rc.RawTBSCertificateRequest, oidMD5WithRSA, parsed.Signature)

	corrupt := goodCSR(t)
	corrupt[len(corrupt)-3] ^= 0x01

	// A signature made with another key.
	tbs := handRequest(t, 0, pkix.RDNSequence{rdn(oidCN, "x")}, spkiOf(t, testP256().Public()), nil)
	otherKey := signECDSA(t, tbs, testP384())

	tests := []struct {
		name string
		der  []byte
		want error
	}{
		{"sha1", sha1DER, ErrWeakSignature},
		{"md5", md5DER, ErrWeakSignature},
		{"corrupted byte", corrupt, ErrBadSignature},
		{"other key", otherKey, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDER(tt.der)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseDER = %v, want %v", err, tt.want)
			}
			if errors.Is(err, ErrMalformed) {
				t.Errorf("%v is also ErrMalformed", err)
			}
		})
	}
}

func TestParseDERRefusals(t *testing.T) {
	subject := pkix.RDNSequence{rdn(oidCN, "www.example.com")}
	spki := spkiOf(t, testP256().Public())
	ku := ext(t, oidExtKeyUsage, true, asn1.BitString{Bytes: []byte{0x80}, BitLength: 1})
	dupExt := signECDSA(t, handRequest(t, 0, subject, spki,
		[]asn1.RawValue{extensionRequestAttr(t, []pkix.Extension{ku, ku})}), testP256())
	dupAttr := signECDSA(t, handRequest(t, 0, subject, spki,
		[]asn1.RawValue{extensionRequestAttr(t, []pkix.Extension{ku}), extensionRequestAttr(t, []pkix.Extension{ku})}), testP256())

	san := sanValue(t, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 2, Bytes: []byte("bücher.example.com")})
	uLabel := signECDSA(t, handRequest(t, 0, subject, spki,
		[]asn1.RawValue{extensionRequestAttr(t, []pkix.Extension{{Id: oidExtSAN, Value: san}})}), testP256())

	// An EC key on secp256k1 and one with explicit parameters: crypto/x509
	// cannot parse either, but both are refusals, not garbage.
	pub := testP256().PublicKey
	point, err := pub.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	k1, err := asn1.Marshal(asn1.ObjectIdentifier{1, 3, 132, 0, 10})
	if err != nil {
		t.Fatal(err)
	}
	explicit, err := asn1.Marshal(struct {
		Version int
		Field   asn1.RawValue
	}{1, asn1.NullRawValue})
	if err != nil {
		t.Fatal(err)
	}
	ecSPKI := func(params []byte) []byte {
		der, err := asn1.Marshal(struct {
			Algorithm pkix.AlgorithmIdentifier
			PublicKey asn1.BitString
		}{pkix.AlgorithmIdentifier{Algorithm: oidPublicKeyECDSA, Parameters: asn1.RawValue{FullBytes: params}}, asn1.BitString{Bytes: point, BitLength: 8 * len(point)}})
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	secp256k1 := wrapRequest(t, handRequest(t, 0, subject, ecSPKI(k1), nil), oidECDSAWithSHA256, []byte{0x30, 0})
	explicitParams := wrapRequest(t, handRequest(t, 0, subject, ecSPKI(explicit), nil), oidECDSAWithSHA256, []byte{0x30, 0})

	// A key of an unknown algorithm, and an RSA key with exponent 3: their
	// signatures cannot be checked, and the key is what is refused.
	unknownSPKI, err := asn1.Marshal(struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}{pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 3, 4}}, asn1.BitString{Bytes: []byte{1, 2, 3}, BitLength: 24}})
	if err != nil {
		t.Fatal(err)
	}
	unknownKey := wrapRequest(t, handRequest(t, 0, subject, unknownSPKI, nil), oidECDSAWithSHA256, []byte{0x30, 0})
	e3 := &rsa.PublicKey{N: testRSA2048().N, E: 3}
	rsaE3 := wrapRequest(t, handRequest(t, 0, subject, spkiOf(t, e3), nil), asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, make([]byte, 256))

	tests := []struct {
		name        string
		der         []byte
		field, rule string
		msg         string
	}{
		{"unknown key algorithm", unknownKey, "key", "keyTypes", "1.2.3.4"},
		{"rsa exponent 3", rsaE3, "key", "strength", "exponent 3"},
		{"duplicate extension", dupExt, "extension", "unique", "2.5.29.15 keyUsage"},
		{"duplicate across attributes", dupAttr, "extension", "unique", "requested twice"},
		{"U-label", uLabel, "san dns", "hostname", "xn--bcher-kva.example.com"},
		{"secp256k1", secp256k1, "key", "strength", "secp256k1"},
		{"explicit curve", explicitParams, "key", "strength", "explicit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDER(tt.der)
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseDER = %v, want a *PolicyError", err)
			}
			if pe.Field != tt.field || pe.Rule != tt.rule {
				t.Errorf("refused %s/%s, want %s/%s", pe.Field, pe.Rule, tt.field, tt.rule)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q does not mention %q", err, tt.msg)
			}
			if errors.Is(err, ErrMalformed) {
				t.Errorf("a refusal is also ErrMalformed: %v", err)
			}
		})
	}
}

// sanValue encodes GeneralNames of the given raw names.
func sanValue(t testing.TB, names ...asn1.RawValue) []byte {
	t.Helper()
	der, err := asn1.Marshal(names)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestDuplicateCN signs a request whose subject has CN twice, as Go's
// pkix.Name cannot express, and sees the policy refuse it.
func TestDuplicateCN(t *testing.T) {
	subject := pkix.RDNSequence{
		rdn(oidC, "DE"), rdn(oidO, "Example"),
		rdn(oidCN, "www.example.com"), rdn(oidCN, "evil.example.com"),
	}
	raw, err := asn1.Marshal(subject)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		RawSubject: raw,
		DNSNames:   []string{"www.example.com", "evil.example.com"},
	}, testP256())
	if err != nil {
		t.Fatal(err)
	}
	r := parseRequest(t, der)
	j := mustPolicy(t, specPolicy).Judge(r, serverEnv())
	checkFailures(t, j, []string{"subject CN/unique"})
	var pe *PolicyError
	if !errors.As(j.Err(), &pe) || pe.Value != "www.example.com, evil.example.com" {
		t.Errorf("first refusal %+v", pe)
	}
}

// TestRequestedCATrue asks for CA:TRUE in a request.
func TestRequestedCATrue(t *testing.T) {
	bc, err := asn1.Marshal(struct {
		IsCA bool `asn1:"optional"`
	}{true})
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject:         pkix.Name{Country: []string{"DE"}, Organization: []string{"Example"}, CommonName: "www.example.com"},
		DNSNames:        []string{"www.example.com"},
		ExtraExtensions: []pkix.Extension{{Id: oidExtBasicConstraints, Critical: true, Value: bc}},
	}, testP256())
	if err != nil {
		t.Fatal(err)
	}
	r := parseRequest(t, der)
	j := mustPolicy(t, specPolicy).Judge(r, serverEnv())
	checkFailures(t, j, []string{"extension/basicConstraints"})
	if err := j.Err(); err == nil || !containsAll(err.Error(), "2.5.29.19", "basicConstraints", "CA:TRUE") {
		t.Errorf("Err() = %v", err)
	}
}

// TestManySANsRefusedByCount checks that a request with 10,000 names is
// refused by count, with no per-name checks.
func TestManySANsRefusedByCount(t *testing.T) {
	names := make([]string, 10000)
	for i := range names {
		names[i] = "h" + strings.Repeat("x", i%50) + ".example.com"
	}
	der, err := Create(testP256(), Template{Subject: pkix.Name{CommonName: "h.example.com"}, DNSNames: names})
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseDER(der)
	if err != nil {
		t.Fatal(err)
	}
	r, err := RequestFromCSR(c)
	if err != nil {
		t.Fatal(err)
	}
	j := DefaultPolicy(pkix.Name{}).Judge(r, serverEnv())
	for _, c := range j.Checks {
		if c.Field == "san dns" {
			t.Fatalf("per-name check %+v after the count failed", c)
		}
	}
	var pe *PolicyError
	if !errors.As(j.Err(), &pe) {
		t.Fatal("not refused")
	}
	found := false
	for _, f := range j.Failures() {
		found = found || (f.Field == "san" && f.Rule == "maxSANs" && f.Value == "10000")
	}
	if !found {
		t.Errorf("no san/maxSANs failure in %v", failures(j))
	}
}

func TestRequestFromCSR(t *testing.T) {
	if _, err := RequestFromCSR(nil); err == nil {
		t.Error("RequestFromCSR(nil) succeeded")
	}
	c := &x509.CertificateRequest{RawSubject: []byte{0x30, 0x03, 0x01}}
	if _, err := RequestFromCSR(c); !errors.Is(err, ErrMalformed) {
		t.Errorf("bad RawSubject: %v, want ErrMalformed", err)
	}
	c = &x509.CertificateRequest{Subject: pkix.Name{CommonName: "x"}, PublicKey: &ecdsa.PublicKey{}}
	r, err := RequestFromCSR(c)
	if err != nil || len(r.Subject) != 1 {
		t.Errorf("RequestFromCSR from Subject = %+v, %v", r, err)
	}
}

func BenchmarkParseDERAndJudge(b *testing.B) {
	der, err := Create(testP256(), Template{Subject: pkix.Name{CommonName: "www.example.com", Country: []string{"DE"}, Organization: []string{"Example"}}, DNSNames: []string{"www.example.com"}})
	if err != nil {
		b.Fatal(err)
	}
	p := mustPolicy(b, specPolicy)
	env := serverEnv()
	for b.Loop() {
		c, err := ParseDER(der)
		if err != nil {
			b.Fatal(err)
		}
		r, err := RequestFromCSR(c)
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Judge(r, env).Err(); err != nil {
			b.Fatal(err)
		}
	}
}
