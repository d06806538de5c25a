package csr

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"testing"
)

// seedCSRs are valid and hand-made requests to start the fuzzers from.
func seedCSRs(f *testing.F) [][]byte {
	tmpl := Template{
		Subject:        pkix.Name{CommonName: "www.example.com", Organization: []string{"Example"}, Country: []string{"DE"}, OrganizationalUnit: []string{"Servers"}},
		DNSNames:       []string{"www.example.com", "*.example.com"},
		IPAddresses:    []net.IP{net.IPv4(192, 0, 2, 1)},
		EmailAddresses: []string{"ops@example.com"},
		URIs:           []*url.URL{{Scheme: "spiffe", Host: "example.com", Path: "/web"}},
	}
	var seeds [][]byte
	for _, k := range []crypto.Signer{testP256(), testEd25519(), testRSA2048()} {
		der, err := Create(k, tmpl)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, der)
	}
	ku := ext(f, oidExtKeyUsage, true, asn1.BitString{Bytes: []byte{0x84}, BitLength: 6})
	bc := ext(f, oidExtBasicConstraints, true, struct {
		IsCA bool `asn1:"optional"`
	}{true})
	seeds = append(seeds, signECDSA(f, handRequest(f, 0, pkix.RDNSequence{rdn(oidCN, "a"), rdn(oidCN, "b")}, spkiOf(f, testP256().Public()),
		[]asn1.RawValue{extensionRequestAttr(f, []pkix.Extension{ku, bc, ku})}), testP256()))
	return seeds
}

func FuzzParseDER(f *testing.F) {
	for _, s := range seedCSRs(f) {
		f.Add(s)
	}
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		c, err := ParseDER(der)
		if err != nil {
			if c != nil {
				t.Fatal("request and error")
			}
			var pe *PolicyError
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrWeakSignature) && !errors.As(err, &pe) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if _, err := RequestFromCSR(c); err != nil {
			t.Fatalf("RequestFromCSR of a parsed request: %v", err)
		}
	})
}

// FuzzJudge judges fuzzed requests (parsed without the signature check, so
// the fuzzer reaches the policy) and checks that Judge neither panics nor
// lets an unparsable thing through.
func FuzzJudge(f *testing.F) {
	for _, s := range seedCSRs(f) {
		f.Add(s)
	}
	spec := mustPolicy(f, specPolicy)
	def := DefaultPolicy(pkix.Name{Country: []string{"DE"}})
	issuer := mustIssuer(&x509.Certificate{
		Subject:             pkix.Name{Country: []string{"DE"}, Organization: []string{"Example"}},
		PermittedDNSDomains: []string{"example.com"},
		ExcludedIPRanges:    []*net.IPNet{mustCIDR("10.0.0.0/8")},
	})
	f.Fuzz(func(t *testing.T, der []byte) {
		c, err := x509.ParseCertificateRequest(der)
		if err != nil {
			return
		}
		r, err := RequestFromCSR(c)
		if err != nil {
			return
		}
		for _, p := range []*Policy{spec, def} {
			env := serverEnv()
			env.Issuer = issuer
			j := p.Judge(r, env)
			if err := j.Err(); (err == nil) != (len(j.Failures()) == 0) {
				t.Fatal("Err and Failures disagree")
			}
			_ = p.Subject(r)
		}
	})
}

func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte(specPolicy))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"subject": {"2.5.4.5": {"rule": "match", "pattern": "a|b", "maxLength": 3}}, "unlisted": "drop", "san": {"ip": {"allow": ["::/0"], "deny": ["10.0.0.0/8"]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy(data)
		if err != nil {
			if !errors.Is(err, ErrBadPolicy) {
				t.Fatalf("error %v is not ErrBadPolicy", err)
			}
			return
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParsePolicy(out)
		if err != nil {
			t.Fatalf("MarshalJSON output does not parse: %v\n%s", err, out)
		}
		again, err := json.Marshal(back)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, again) {
			t.Fatalf("round trip changed the policy:\n%s\n%s", out, again)
		}
		_ = p.Rules()
		_ = p.Judge(baseRequest(), serverEnv())
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"10s", "90d", "1y", "8760h", "5m", "1y30d", "-1d", "0s", "293y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			if !errors.Is(err, ErrBadDuration) {
				t.Fatalf("error %v is not ErrBadDuration", err)
			}
			return
		}
		if d <= 0 {
			t.Fatalf("ParseDuration(%q) = %v, not positive", s, d)
		}
		if back, err := ParseDuration(formatDuration(d)); formatDuration(d) != d.String() && (err != nil || back != d) {
			t.Fatalf("formatDuration(%v) = %q does not parse back: %v, %v", d, formatDuration(d), back, err)
		}
	})
}
