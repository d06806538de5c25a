package csr

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"math/big"
	"net"
	"testing"
	"time"
)

// FuzzParseDuration: never panics; what it accepts is positive and formats
// back to a duration that parses to the same value.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"10s", "5m", "8760h", "90d", "1y", "1y30d", "0d", "-1d", "1.5d", "99999999999999999999y", "d", "1", " 1d", "1D"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			if !errors.Is(err, ErrBadDuration) {
				t.Fatalf("error %v does not wrap ErrBadDuration", err)
			}
			return
		}
		if d <= 0 {
			t.Fatalf("%q parsed to %v", s, d)
		}
		again, err := ParseDuration(formatDuration(d))
		if err != nil || again != d {
			t.Fatalf("%q -> %v -> %q -> %v, %v", s, d, formatDuration(d), again, err)
		}
	})
}

// FuzzParsePolicy: never panics; a policy it accepts marshals to JSON that
// parses to the same policy.
func FuzzParsePolicy(f *testing.F) {
	def, err := json.Marshal(DefaultPolicy(pkix.Name{Country: []string{"DE"}, Organization: []string{"Example"}}))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(def)
	f.Add([]byte(`{"subject":{"CN":{"rule":"supplied","pattern":"^[a-z]+$","maxLength":64},"OU":{"rule":"optional","allow":["A"]}},"unlisted":"drop","san":{"dns":{"allow":["example.com","*.example.com"],"deny":["*.corp.example.com"]},"ip":"any"},"maxValidity":"397d"}`))
	f.Add([]byte(`{"subject":{"CN":"nonsense"}}`))
	f.Add([]byte(`{"subject":{},"subject":{}}`))
	f.Add([]byte(`[1,2`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy(data)
		if err != nil {
			return
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("an accepted policy does not marshal: %v", err)
		}
		p2, err := ParsePolicy(out)
		if err != nil {
			t.Fatalf("a marshalled policy does not parse: %v\n%s", err, out)
		}
		out2, _ := json.Marshal(p2)
		if string(out) != string(out2) {
			t.Fatalf("the policy changed on a round trip:\n%s\n%s", out, out2)
		}
	})
}

// FuzzJudgeCSR: parsing a CSR and judging it under the default policy never
// panics, and a CSR that passes has a verified signature.
func FuzzJudgeCSR(f *testing.F) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	for _, tmpl := range []Template{
		{Subject: pkix.Name{CommonName: "a.example.com", Country: []string{"DE"}}, DNSNames: []string{"a.example.com"}},
		{Subject: pkix.Name{CommonName: "10.0.0.1"}, IPAddresses: []net.IP{net.ParseIP("10.0.0.1")}},
		{Subject: pkix.Name{CommonName: "bad_name"}, DNSNames: []string{"bad_name", "*.com"}},
	} {
		der, err := Create(key, tmpl)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der)
	}
	issuerKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	itmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Issuer", Country: []string{"DE"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * 365 * time.Hour), IsCA: true, BasicConstraintsValid: true}
	ider, err := x509.CreateCertificate(rand.Reader, itmpl, itmpl, issuerKey.Public(), issuerKey)
	if err != nil {
		f.Fatal(err)
	}
	issuer, _ := x509.ParseCertificate(ider)
	policy := DefaultPolicy(issuer.Subject)
	env := Env{Profile: "server", KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		RequireSAN: true, CNMustBeSAN: true, Validity: 90 * 24 * time.Hour, Issuer: issuer}
	f.Fuzz(func(t *testing.T, der []byte) {
		c, err := ParseDER(der)
		if err != nil {
			return
		}
		if err := c.CheckSignature(); err != nil {
			t.Fatalf("ParseDER accepted a CSR whose signature does not verify: %v", err)
		}
		r, err := RequestFromCSR(c)
		if err != nil {
			return
		}
		j := policy.Judge(r, env)
		if j.Err() == nil && len(j.Failures()) > 0 {
			t.Fatalf("a judgement with failures has no error")
		}
	})
}
