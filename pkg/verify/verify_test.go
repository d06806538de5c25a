package verify

import (
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/pkg/pem"
)

var (
	oidUnknown = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55738, 666, 1}
	idpOnlyCA  = []byte{0x30, 0x03, 0x82, 0x01, 0xff}
	idpOnlyEE  = []byte{0x30, 0x03, 0x81, 0x01, 0xff}
	idpIndir   = []byte{0x30, 0x03, 0x84, 0x01, 0xff}
	akiOther   = []byte{0x30, 0x04, 0x80, 0x02, 0x09, 0x09}
)

// idpURI is an issuing distribution point naming one URI.
func idpURI(u string) []byte {
	gn := append([]byte{0x86, byte(len(u))}, u...)
	full := append([]byte{0xa0, byte(len(gn))}, gn...)
	dpn := append([]byte{0xa0, byte(len(full))}, full...)
	return append([]byte{0x30, byte(len(dpn))}, dpn...)
}

func ext(oid asn1.ObjectIdentifier, crit bool, v []byte) []pkix.Extension {
	return []pkix.Extension{{Id: oid, Critical: crit, Value: v}}
}

type verifyCase struct {
	name string
	spec spec
	opts func(p *testPKI, o *Options)
	crls func(t *testing.T, p *testPKI) []*CRL
	want string // the rule that must be among the reasons; "" for good
	// others are the rules that may come with want; any other is an error,
	// so that without want's check a case would be good (a rule that only
	// names what crypto/x509 or another rule already refuses lists them).
	others []string
}

// certCases: one per certificate rule, good and bad.
var certCases = []verifyCase{
	{name: "good", want: ""},
	{name: "good: leaf without EKU", spec: spec{leaf: func(c *x509.Certificate) { c.ExtKeyUsage = nil }}},
	{name: "good: intermediate with anyExtendedKeyUsage", spec: spec{inter: func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageAny} }}},
	{name: "good: serial of 20 octets", spec: spec{leafTBS: func(t *tbsCert) { t.Serial = asn1.RawValue{FullBytes: mustDER(new(big.Int).Lsh(big.NewInt(1), 158))} }}},
	{name: "good: critical name constraints", spec: spec{inter: func(c *x509.Certificate) {
		c.PermittedDNSDomains, c.PermittedDNSDomainsCritical = []string{"example.com"}, true
	}}},
	{name: "good: wildcard over a registrable domain", spec: spec{leaf: func(c *x509.Certificate) { c.DNSNames = append(c.DNSNames, "*.example.com") }}},
	{name: "good: empty subject with a critical SAN", spec: spec{leaf: func(c *x509.Certificate) { c.Subject = pkix.Name{} }}},
	{name: "good: purpose client", spec: spec{leaf: func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} }},
		opts: func(_ *testPKI, o *Options) { o.Purpose = PurposeClient }},
	{name: "good: purpose any takes any EKU", spec: spec{leaf: func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning} }},
		opts: func(_ *testPKI, o *Options) { o.Purpose = PurposeAny }},
	{name: "good: IP address", opts: func(_ *testPKI, o *Options) { o.DNSName, o.IP = "", net.ParseIP("192.0.2.1") }},
	{name: "good: email, domain in any case", opts: func(_ *testPKI, o *Options) { o.DNSName, o.Email = "", "Admin@EXAMPLE.com" }},

	{name: "ski-missing", want: "ski-missing", spec: spec{interTBS: remove(oidSKI), leafTBS: func(t *tbsCert) { t.Extensions = setExt(t.Extensions, oidAKI, false, akiOther) }}},
	{name: "aki-missing", want: "aki-missing", spec: spec{leafTBS: remove(oidAKI)}},
	{name: "aki-missing: no keyIdentifier in a root's AKI", want: "aki-missing", spec: spec{rootTBS: func(t *tbsCert) {
		t.Extensions = setExt(t.Extensions, oidAKI, false, []byte{0x30, 0x03, 0x82, 0x01, 0x07})
	}}},
	{name: "good: a trust anchor that is not self-signed needs no AKI", spec: spec{interTBS: remove(oidAKI)},
		opts: func(p *testPKI, o *Options) { o.Roots, o.Intermediates = []*x509.Certificate{p.inter.cert}, nil }},
	{name: "eku-empty", want: "eku-empty", spec: spec{leafTBS: func(t *tbsCert) { t.Extensions = setExt(t.Extensions, oidEKU, false, []byte{0x30, 0x00}) }},
		opts: func(_ *testPKI, o *Options) { o.Purpose = PurposeAny }},
	{name: "san-dns-invalid: underscore", want: "san-dns-invalid", spec: spec{leaf: func(c *x509.Certificate) { c.DNSNames = append(c.DNSNames, "a_b.example.com") }}},
	{name: "san-dns-invalid: empty label", want: "san-dns-invalid", spec: spec{leaf: func(c *x509.Certificate) { c.DNSNames = append(c.DNSNames, "a..example.com") }}},
	{name: "aki-mismatch on the root", want: "aki-mismatch", spec: spec{rootTBS: func(t *tbsCert) { t.Extensions = setExt(t.Extensions, oidAKI, false, akiOther) }}},
	{name: "aki-mismatch with the issuer", want: "aki-mismatch", spec: spec{leafTBS: func(t *tbsCert) { t.Extensions = setExt(t.Extensions, oidAKI, false, akiOther) }}},
	{name: "bc-not-critical", want: "bc-not-critical", spec: spec{interTBS: critical(oidBasicConstraints, false)}},
	{name: "bc-not-ca: a version 1 root", want: "bc-not-ca", spec: spec{rootTBS: func(t *tbsCert) { t.Version, t.Extensions = 0, nil },
		interTBS: func(t *tbsCert) { t.Extensions = setExt(t.Extensions, oidAKI, false, akiOther) }}},
	{name: "ku-no-keycertsign (Go)", want: "untrusted", spec: spec{root: func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageCRLSign }}},
	{name: "bc-pathlen on a leaf", want: "bc-pathlen", spec: spec{leafTBS: func(t *tbsCert) {
		t.Extensions = setExt(t.Extensions, oidBasicConstraints, true, []byte{0x30, 0x03, 0x02, 0x01, 0x00})
	}}},
	{name: "bc-pathlen without keyCertSign", want: "bc-pathlen", spec: spec{leaf: func(c *x509.Certificate) {
		c.IsCA, c.BasicConstraintsValid, c.MaxPathLen = true, true, 1
	}}},
	{name: "ku-keycertsign-not-ca", want: "ku-keycertsign-not-ca", spec: spec{leaf: func(c *x509.Certificate) { c.KeyUsage |= x509.KeyUsageCertSign }}},
	{name: "ku-empty", want: "ku-empty", spec: spec{leafTBS: func(t *tbsCert) {
		t.Extensions = setExt(t.Extensions, oidKeyUsage, true, []byte{0x03, 0x01, 0x00})
	}}},
	{name: "nc-not-critical", want: "nc-not-critical", spec: spec{inter: func(c *x509.Certificate) { c.PermittedDNSDomains = []string{"example.com"} }}},
	{name: "nc-not-ca", want: "nc-not-ca", spec: spec{leaf: func(c *x509.Certificate) {
		c.PermittedDNSDomains, c.PermittedDNSDomainsCritical = []string{"example.com"}, true
	}}},
	{name: "subject-empty on a CA", want: "subject-empty", others: []string{"issuer-empty"}, spec: spec{inter: func(c *x509.Certificate) { c.Subject = pkix.Name{} }}},
	{name: "subject-empty without a SAN", want: "subject-empty", spec: spec{leaf: func(c *x509.Certificate) {
		c.Subject, c.DNSNames, c.IPAddresses, c.EmailAddresses = pkix.Name{}, nil, nil, nil
	}}, opts: func(_ *testPKI, o *Options) { o.DNSName = "" }},
	{name: "san-not-critical", want: "san-not-critical", spec: spec{leaf: func(c *x509.Certificate) { c.Subject = pkix.Name{} }, leafTBS: critical(oidSAN, false)}},
	{name: "issuer-empty", want: "issuer-empty", others: []string{"subject-empty"}, spec: spec{root: func(c *x509.Certificate) { c.Subject = pkix.Name{} }}},
	{name: "serial-not-positive", want: "serial-not-positive", spec: spec{leafTBS: func(t *tbsCert) { t.Serial = asn1.RawValue{FullBytes: []byte{0x02, 0x01, 0x00}} }}},
	{name: "serial-too-long", want: "serial-too-long", spec: spec{leafTBS: func(t *tbsCert) { t.Serial = asn1.RawValue{FullBytes: mustDER(new(big.Int).Lsh(big.NewInt(1), 160))} }}},
	{name: "inhibit-any-policy-not-critical", want: "inhibit-any-policy-not-critical", spec: spec{interTBS: func(t *tbsCert) {
		t.Extensions = setExt(t.Extensions, oidInhibitAnyPolicy, false, []byte{0x02, 0x01, 0x05})
	}}}, {name: "policy-constraints-not-critical", want: "policy-constraints-not-critical", spec: spec{rootTBS: func(t *tbsCert) {
		t.Extensions = setExt(t.Extensions, oidPolicyConstr, false, []byte{0x30, 0x03, 0x81, 0x01, 0x05})
	}}},
	{name: "signature-algorithm SHA-1", want: "signature-algorithm", others: []string{"untrusted"}, spec: spec{leafWeak: true}},
	{name: "key-weak P-224", want: "key-weak", spec: spec{leafKey: newKeyOrPanic(elliptic.P224())}},
	{name: "key-weak RSA 1024", want: "key-weak", spec: spec{leafTBS: func(t *tbsCert) { t.SPKI = asn1.RawValue{FullBytes: rsa1024SPKI()} }}},
	{name: "key-algorithm DSA", want: "key-algorithm", spec: spec{leafTBS: func(t *tbsCert) { t.SPKI = asn1.RawValue{FullBytes: dsaSPKI()} }}},
	// Go does not parse the extensions of a version 2 certificate: the AKI and SAN are then missing too.
	{name: "version: v2 with extensions", want: "version", others: []string{"aki-missing", "name-mismatch"}, spec: spec{leafTBS: func(t *tbsCert) { t.Version = 1 }}},
	{name: "wildcard-position", want: "wildcard-position", spec: spec{leaf: func(c *x509.Certificate) { c.DNSNames = append(c.DNSNames, "w*.example.com") }}},
	{name: "wildcard-public-suffix", want: "wildcard-public-suffix", spec: spec{leaf: func(c *x509.Certificate) { c.DNSNames = append(c.DNSNames, "*.co.uk") }}},
	{name: "eku-purpose: clientAuth leaf for a server", want: "eku-purpose", spec: spec{leaf: func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} }}},
	{name: "eku-purpose: anyExtendedKeyUsage leaf for a server", want: "eku-purpose", spec: spec{leaf: func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageAny} }}},
	{name: "eku-purpose: intermediate without serverAuth", want: "eku-purpose", spec: spec{inter: func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} }}},
	{name: "name-mismatch: DNS", want: "name-mismatch", opts: func(_ *testPKI, o *Options) { o.DNSName = "other.example.com" }},
	{name: "name-mismatch: IP", want: "name-mismatch", opts: func(_ *testPKI, o *Options) { o.DNSName, o.IP = "", net.ParseIP("192.0.2.2") }},
	{name: "name-mismatch: email local part is exact", want: "name-mismatch", opts: func(_ *testPKI, o *Options) { o.DNSName, o.Email = "", "admin@example.com" }},
	// What crypto/x509 decides, named.
	{name: "validity (Go)", want: "validity", opts: func(_ *testPKI, o *Options) { o.At = testAt.AddDate(1, 0, 0) }},
	{name: "untrusted (Go)", want: "untrusted", opts: func(p *testPKI, o *Options) { o.Roots = []*x509.Certificate{otherRoot(p).cert} }},
	{name: "name-constraints (Go)", want: "name-constraints", spec: spec{inter: func(c *x509.Certificate) {
		c.PermittedDNSDomains, c.PermittedDNSDomainsCritical = []string{"example.org"}, true
	}}},
	{name: "path-length (Go)", want: "path-length", spec: spec{root: func(c *x509.Certificate) { c.MaxPathLen, c.MaxPathLenZero = 0, true }}},
	{name: "unknown-critical-extension (Go)", want: "unknown-critical-extension", spec: spec{leaf: func(c *x509.Certificate) {
		c.ExtraExtensions = ext(oidUnknown, true, []byte{0x05, 0x00})
	}}},
}

// rsa1024SPKI is the SubjectPublicKeyInfo of a new 1024-bit RSA key.
func rsa1024SPKI() []byte {
	k, err := rsa.GenerateKey(randReader, 1024)
	if err != nil {
		panic(err)
	}
	return must(x509.MarshalPKIXPublicKey(&k.PublicKey))
}

// dsaSPKI is a DSA SubjectPublicKeyInfo (RFC 3279, 2.3.2) that crypto/x509
// parses: it checks only that the integers are positive.
func dsaSPKI() []byte {
	params := struct{ P, Q, G *big.Int }{big.NewInt(23), big.NewInt(11), big.NewInt(4)}
	key := mustDER(big.NewInt(8))
	return mustDER(struct {
		Algorithm pkix.AlgorithmIdentifier
		Key       asn1.BitString
	}{
		pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}, Parameters: asn1.RawValue{FullBytes: mustDER(params)}},
		asn1.BitString{Bytes: key, BitLength: 8 * len(key)},
	})
}

func must(der []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return der
}

func newKeyOrPanic(c elliptic.Curve) *ecdsaKey {
	k, err := generateKey(c)
	if err != nil {
		panic(err)
	}
	return k
}

// crlCases: the CRL checks.
var crlCases = []verifyCase{
	{name: "good: CRLs that list others", crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, p.inter, crlSpec{}), crl(t, p.root, crlSpec{})}
	}},
	{name: "good: revoked by a CRL of an unrelated but given root", opts: func(p *testPKI, o *Options) {
		o.Roots = append(o.Roots, otherRoot(p).cert)
	}, crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, otherRoot(p), crlSpec{serials: []int64{3}})}
	}},
	{name: "good: distribution point matches", spec: spec{leaf: func(c *x509.Certificate) { c.CRLDistributionPoints = []string{"http://example.com/a.crl"} }},
		crls: func(t *testing.T, p *testPKI) []*CRL {
			return []*CRL{crl(t, p.inter, crlSpec{ext: ext(oidIDP, true, idpURI("http://example.com/a.crl"))})}
		}},
	{name: "revoked leaf", want: "revoked", crls: func(t *testing.T, p *testPKI) []*CRL { return []*CRL{crl(t, p.inter, crlSpec{serials: []int64{3}})} }},
	{name: "revoked intermediate", want: "revoked", crls: func(t *testing.T, p *testPKI) []*CRL { return []*CRL{crl(t, p.root, crlSpec{serials: []int64{2}})} }},
	{name: "crl-expired", want: "crl-expired", crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, p.inter, crlSpec{this: testAt.AddDate(0, 0, -10), next: testAt.AddDate(0, 0, -1)})}
	}},
	{name: "crl-not-yet-valid", want: "crl-not-yet-valid", crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, p.inter, crlSpec{this: testAt.AddDate(0, 0, 1), next: testAt.AddDate(0, 0, 8)})}
	}},
	{name: "crl-foreign", want: "crl-foreign", crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, otherRoot(p), crlSpec{})}
	}},
	{name: "crl-signature", want: "crl-signature", crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, &node{cert: p.root.cert, key: otherRoot(p).key}, crlSpec{})}
	}},
	{name: "crl-sign-usage", want: "crl-sign-usage", spec: spec{inter: func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageCertSign }},
		crls: func(t *testing.T, p *testPKI) []*CRL {
			c := *p.inter.cert
			c.KeyUsage |= x509.KeyUsageCRLSign
			return []*CRL{crl(t, &node{cert: &c, key: p.inter.key}, crlSpec{})}
		}},
	{name: "crl-number-missing", want: "crl-number-missing", crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, p.inter, crlSpec{edit: func(c *tbsCRL) { c.Extensions = setExt(c.Extensions, oidCRLNumber, false, nil) }})}
	}},
	{name: "crl-number-critical", want: "crl-number-critical", crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, p.inter, crlSpec{edit: func(c *tbsCRL) { c.Extensions = setExt(c.Extensions, oidCRLNumber, true, mustDER(7)) }})}
	}},
	{name: "crl-aki-missing", want: "crl-aki-missing", crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, p.inter, crlSpec{edit: func(c *tbsCRL) { c.Extensions = setExt(c.Extensions, oidAKI, false, nil) }})}
	}},
	{name: "crl-unknown-critical-extension", want: "crl-unknown-critical-extension", crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, p.inter, crlSpec{ext: ext(oidUnknown, true, []byte{0x05, 0x00})})}
	}},
	{name: "good: unknown non-critical CRL extension", crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, p.inter, crlSpec{ext: ext(oidUnknown, false, []byte{0x05, 0x00})})}
	}},
	{name: "crl-entry-unknown-critical-extension", want: "crl-entry-unknown-critical-extension", crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, p.inter, crlSpec{entryExt: ext(oidUnknown, true, []byte{0x05, 0x00})})}
	}},
	{name: "crl-duplicate-entry", want: "crl-duplicate-entry", crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, p.inter, crlSpec{serials: []int64{999}})}
	}},
	{name: "crl-delta-unsupported", want: "crl-delta-unsupported", crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, p.inter, crlSpec{ext: ext(oidDeltaCRL, true, mustDER(6))})}
	}},
	{name: "crl-idp-not-critical", want: "crl-idp-not-critical", crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, p.inter, crlSpec{ext: ext(oidIDP, false, idpOnlyEE)})}
	}},
	{name: "crl-idp-malformed", want: "crl-idp-malformed", crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, p.inter, crlSpec{ext: ext(oidIDP, true, []byte{0x30, 0x01, 0x00})})}
	}},
	{name: "crl-indirect-unsupported", want: "crl-indirect-unsupported", crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, p.inter, crlSpec{ext: ext(oidIDP, true, idpIndir)})}
	}},
	{name: "crl-scope: only CA certificates, leaf covered", want: "crl-scope", crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, p.inter, crlSpec{ext: ext(oidIDP, true, idpOnlyCA)})}
	}},
	{name: "crl-scope: only end entities, intermediate covered", want: "crl-scope", crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, p.root, crlSpec{ext: ext(oidIDP, true, idpOnlyEE)})}
	}},
	{name: "crl-scope: distribution point mismatch", want: "crl-scope", spec: spec{leaf: func(c *x509.Certificate) { c.CRLDistributionPoints = []string{"http://example.com/a.crl"} }},
		crls: func(t *testing.T, p *testPKI) []*CRL {
			return []*CRL{crl(t, p.inter, crlSpec{ext: ext(oidIDP, true, idpURI("http://example.com/b.crl"))})}
		}},
	{name: "crl-scope: certificate without distribution point", want: "crl-scope", crls: func(t *testing.T, p *testPKI) []*CRL {
		return []*CRL{crl(t, p.inter, crlSpec{ext: ext(oidIDP, true, idpURI("http://example.com/a.crl"))})}
	}},
}

// otherRoot is a second root named like the test root, with its own key;
// made once per PKI.
var others = map[*testPKI]*node{}

func otherRoot(p *testPKI) *node {
	if n, ok := others[p]; ok {
		return n
	}
	k, err := generateKey(elliptic.P256())
	if err != nil {
		panic(err)
	}
	tmpl := rootTemplate()
	tmpl.Subject = pkix.Name{CommonName: "Other Root"}
	der, err := x509.CreateCertificate(randReader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		panic(err)
	}
	c, _ := x509.ParseCertificate(der)
	others[p] = &node{cert: c, key: k}
	return others[p]
}

func TestVerifyRules(t *testing.T) {
	for _, tc := range slices.Concat(certCases, crlCases) {
		t.Run(tc.name, func(t *testing.T) {
			p := build(t, tc.spec)
			o := Options{Roots: []*x509.Certificate{p.root.cert}, Intermediates: []*x509.Certificate{p.inter.cert},
				DNSName: "www.example.com", Purpose: PurposeServer, At: testAt}
			if tc.opts != nil {
				tc.opts(p, &o)
			}
			if tc.crls != nil {
				o.CRLs = tc.crls(t, p)
			}
			res, err := Verify([]*x509.Certificate{p.leaf.cert}, o)
			if err != nil {
				t.Fatal(err)
			}
			rules := make([]string, len(res.Reasons))
			for i, r := range res.Reasons {
				rules[i] = r.Rule
			}
			switch {
			case tc.want == "" && !res.Good():
				t.Fatalf("want good, got %v", res.Err())
			case tc.want != "" && !slices.Contains(rules, tc.want):
				t.Fatalf("want rule %s among %v", tc.want, rules)
			case tc.want != "" && res.Err() == nil || tc.want != "" && !errors.Is(res.Err(), ErrFailed):
				t.Fatalf("a result with reasons must be an error wrapping ErrFailed")
			}
			for _, r := range res.Reasons {
				if r.Rule != tc.want && !slices.Contains(tc.others, r.Rule) {
					t.Errorf("unexpected reason %s: %s", r.Rule, r.Detail)
				}
				if r.Ref == "" || r.Detail == "" || strings.HasPrefix(r.Detail, "x509:") {
					t.Errorf("reason %+v: empty ref or detail, or Go's prefix", r)
				}
			}
		})
	}
}

// TestVerifyFile: a certificate that crypto/x509 refuses to parse but that
// has a certificate's shape is a failure (rule malformed); what is no
// certificate at all is unusable input.
func TestVerifyFile(t *testing.T) {
	p := build(t, spec{})
	o := Options{Roots: []*x509.Certificate{p.root.cert}, At: testAt}
	neg := editCert(t, p.leaf.cert.Raw, p.inter.key, false, func(t *tbsCert) { t.Serial = asn1.RawValue{FullBytes: []byte{0x02, 0x01, 0xff}} })
	res, err := VerifyFile(pem.Encode(pem.TypeCertificate, neg), o)
	if err != nil || res.Good() || res.Reasons[0].Rule != "malformed" {
		t.Fatalf("negative serial: %v, %+v", err, res)
	}
	for name, in := range map[string][]byte{
		"garbage":   []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
		"a CSR DER": mustDER(struct{ A, B int }{1, 2}),
		"a key":     pem.Encode(pem.TypePrivateKey, []byte{0x30, 0x00}),
		"nothing":   nil,
	} {
		if _, err := VerifyFile(in, o); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	chain := append(pem.Encode(pem.TypeCertificate, p.leaf.cert.Raw), pem.Encode(pem.TypeCertificate, p.inter.cert.Raw)...)
	if res, err := VerifyFile(chain, o); err != nil || !res.Good() || len(res.Chain) != 3 {
		t.Fatalf("leaf and chain in one file: %v, %+v", err, res)
	}
}

func TestParseTime(t *testing.T) {
	for in, want := range map[string]string{"@0": "1970-01-01T00:00:00Z", "@1798761600": "2027-01-01T00:00:00Z",
		"2027-01-01T01:00:00+01:00": "2027-01-01T00:00:00Z"} {
		got, err := ParseTime(in)
		if err != nil || got.Format("2006-01-02T15:04:05Z07:00") != want {
			t.Errorf("ParseTime(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "@", "@1.5", "@ 1", "2027-01-01", "tomorrow"} {
		if _, err := ParseTime(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseTime(%q): %v, want ErrMalformed", in, err)
		}
	}
}
