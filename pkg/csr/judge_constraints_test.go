package csr

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// constraintFailures returns "Field/Rule" of the failed nameConstraints
// and subjectOrSAN checks of p.Judge(r, env).
func constraintFailures(p *Policy, r Request, env Env) []string {
	var got []string
	for _, c := range p.Judge(r, env).Failures() {
		if c.Rule == "nameConstraints" || c.Rule == "subjectOrSAN" {
			got = append(got, c.Field+"/"+c.Rule)
		}
	}
	return got
}

// TestJudgeIPv4MappedSAN: Go writes an IPv4-mapped IPv6 SAN as the 4-byte
// IPv4 address, so the judge matches it against the IPv4 constraints.
func TestJudgeIPv4MappedSAN(t *testing.T) {
	v4 := mustIssuer(&x509.Certificate{
		Subject:           pkix.Name{CommonName: "V4"},
		PermittedIPRanges: []*net.IPNet{mustCIDR("10.0.0.0/8"), mustCIDR("2001:db8::/32")},
		ExcludedIPRanges:  []*net.IPNet{mustCIDR("10.9.0.0/16")},
	})
	excl := mustIssuer(&x509.Certificate{
		Subject:          pkix.Name{CommonName: "Excluded"},
		ExcludedIPRanges: []*net.IPNet{mustCIDR("10.0.0.0/8")},
	})
	// A 16-byte IPv4-mapped network with a 16-byte mask stays an IPv6
	// constraint in the certificate: it matches no IPv4 SAN.
	mapped := mustIssuer(&x509.Certificate{
		Subject:          pkix.Name{CommonName: "Mapped"},
		ExcludedIPRanges: []*net.IPNet{mustCIDR("::ffff:10.0.0.0/104")},
	})
	// A certificate built by hand, as Go would encode it: a 16-byte
	// IPv4-mapped network with a 4-byte mask is the IPv4 constraint 10.0.0.0/8.
	byHand := &x509.Certificate{
		Subject:          pkix.Name{CommonName: "By hand"},
		ExcludedIPRanges: []*net.IPNet{{IP: net.ParseIP("10.0.0.0"), Mask: net.CIDRMask(8, 32)}},
	}
	tests := []struct {
		name   string
		issuer *x509.Certificate
		ip     string
		fail   bool
	}{
		{"mapped in excluded v4 range", excl, "::ffff:10.0.0.1", true},
		{"plain v4 in excluded v4 range", excl, "10.0.0.1", true},
		{"mapped outside excluded v4 range", excl, "::ffff:192.0.2.1", false},
		{"mapped in permitted v4 range", v4, "::ffff:10.1.2.3", false},
		{"mapped in permitted, then excluded v4 range", v4, "::ffff:10.9.1.1", true},
		{"mapped outside permitted v4 range", v4, "::ffff:192.0.2.1", true},
		{"v6 in permitted v6 range", v4, "2001:db8::1", false},
		{"mapped network matches no v4 SAN", mapped, "10.0.0.1", false},
		{"mapped network matches no mapped SAN", mapped, "::ffff:10.0.0.1", false},
		{"hand-built mapped network with v4 mask", byHand, "::ffff:10.0.0.1", true},
		{"hand-built mapped network with v4 mask, v4 SAN", byHand, "10.0.0.1", true},
	}
	p := DefaultPolicy(pkix.Name{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ip := net.ParseIP(tt.ip)
			if !strings.Contains(tt.ip, ":") {
				ip = ip.To4()
			}
			r := Request{Subject: pkix.RDNSequence{rdn(oidCN, "client")}, IPAddresses: []net.IP{ip}, PublicKey: testP256().Public()}
			got := constraintFailures(p, r, Env{Profile: "client", Validity: day, Issuer: tt.issuer})
			var want []string
			if tt.fail {
				want = []string{"san ip/nameConstraints"}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("failures %v, want %v", got, want)
			}
		})
	}
}

// testCA is a CA certificate and its key, for chains in tests.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// newTestCA makes a CA from tmpl, signed by parent (self-signed when nil).
func newTestCA(t testing.TB, tmpl *x509.Certificate, parent *testCA) *testCA {
	t.Helper()
	key := mustECDSA(testP256().Curve)
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	tmpl.IsCA = true
	tmpl.BasicConstraintsValid = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, key.Public(), signerKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: c, key: key}
}

// leaf signs a client leaf with the names of r under ca.
func (ca *testCA) leaf(t testing.TB, r Request, subject pkix.Name) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber:   big.NewInt(2),
		Subject:        subject,
		NotBefore:      ca.cert.NotBefore,
		NotAfter:       ca.cert.NotAfter,
		DNSNames:       r.DNSNames,
		IPAddresses:    r.IPAddresses,
		EmailAddresses: r.EmailAddresses,
		URIs:           r.URIs,
		KeyUsage:       x509.KeyUsageDigitalSignature,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, ca.cert, testP256().Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// opensslVerify runs openssl verify on leaf with chain (nearest first, the
// root last) and returns its error, or "" when it verifies. It skips the
// test when openssl is missing.
func opensslVerify(t *testing.T, leaf *x509.Certificate, chain []*x509.Certificate) string {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not found")
	}
	dir := t.TempDir()
	write := func(name string, certs ...*x509.Certificate) string {
		var b []byte
		for _, c := range certs {
			b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	args := []string{"verify", "-purpose", "sslclient", "-CAfile", write("root.pem", chain[len(chain)-1])}
	if len(chain) > 1 {
		args = append(args, "-untrusted", write("inter.pem", chain[:len(chain)-1]...))
	}
	args = append(args, write("leaf.pem", leaf))
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		return strings.TrimSpace(string(out))
	}
	return ""
}

// TestJudgeIPv4MappedAgreesWithVerifiers issues leaves with IPv4-mapped
// SANs and checks that Judge agrees with crypto/x509 and openssl verify.
func TestJudgeIPv4MappedAgreesWithVerifiers(t *testing.T) {
	root := newTestCA(t, &x509.Certificate{
		Subject:           pkix.Name{CommonName: "IP Root"},
		PermittedIPRanges: []*net.IPNet{mustCIDR("10.0.0.0/8"), mustCIDR("192.0.2.0/24"), mustCIDR("::ffff:192.0.2.0/120")},
		ExcludedIPRanges:  []*net.IPNet{mustCIDR("10.9.0.0/16")},
	}, nil)
	p := DefaultPolicy(pkix.Name{})
	for _, s := range []string{"::ffff:10.0.0.1", "::ffff:10.9.0.1", "::ffff:172.16.0.1", "::ffff:192.0.2.1", "10.9.0.1", "10.0.0.1"} {
		t.Run(s, func(t *testing.T) {
			r := Request{Subject: pkix.RDNSequence{rdn(oidCN, "client")}, IPAddresses: []net.IP{net.ParseIP(s)}, PublicKey: testP256().Public()}
			refused := len(constraintFailures(p, r, Env{Profile: "client", Validity: day, Issuer: root.cert})) > 0
			leaf := root.leaf(t, r, pkix.Name{CommonName: "client"})
			roots := x509.NewCertPool()
			roots.AddCert(root.cert)
			_, verr := leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
			if refused != (verr != nil) {
				t.Errorf("Judge refused=%v, x509 Verify error=%v", refused, verr)
			}
			if oerr := opensslVerify(t, leaf, []*x509.Certificate{root.cert}); refused != (oerr != "") {
				t.Errorf("Judge refused=%v, openssl verify: %s", refused, oerr)
			}
		})
	}
}

// TestJudgeChainConstraints: the name constraints of every CA above the
// issuer are enforced, not only the issuer's.
func TestJudgeChainConstraints(t *testing.T) {
	root := newTestCA(t, &x509.Certificate{
		Subject:            pkix.Name{CommonName: "Chain Root"},
		ExcludedDNSDomains: []string{"secret.example.com"},
	}, nil)
	a := newTestCA(t, &x509.Certificate{
		Subject:                 pkix.Name{CommonName: "Chain A"},
		PermittedDNSDomains:     []string{"example.com"},
		PermittedIPRanges:       []*net.IPNet{mustCIDR("10.0.0.0/8")},
		PermittedEmailAddresses: []string{"example.com"},
		PermittedURIDomains:     []string{"example.com"},
	}, root)
	b := newTestCA(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Chain B"}}, a)
	chain := []*x509.Certificate{b.cert, a.cert, root.cert}
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(root.cert)
	inters.AddCert(a.cert)
	inters.AddCert(b.cert)
	p := DefaultPolicy(pkix.Name{})
	tests := []struct {
		name string
		r    Request
		want []string
	}{
		{"permitted by a", Request{DNSNames: []string{"www.example.com"}}, nil},
		{"outside a", Request{DNSNames: []string{"www.other.com"}}, []string{"san dns/nameConstraints"}},
		{"excluded by the root", Request{DNSNames: []string{"a.secret.example.com"}}, []string{"san dns/nameConstraints"}},
		{"ip outside a", Request{IPAddresses: []net.IP{net.ParseIP("192.0.2.1").To4()}}, []string{"san ip/nameConstraints"}},
		{"email outside a", Request{EmailAddresses: []string{"ops@other.com"}}, []string{"san email/nameConstraints"}},
		{"uri outside a", Request{URIs: []*url.URL{{Scheme: "spiffe", Host: "other.com", Path: "/x"}}}, []string{"san uri/nameConstraints"}},
		{"cn outside a", Request{}, []string{"subject CN/nameConstraints"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			cn := "client"
			if tt.name == "cn outside a" {
				cn = "www.other.com"
			}
			r.Subject = pkix.RDNSequence{rdn(oidCN, cn)}
			r.PublicKey = testP256().Public()
			env := Env{Profile: "client", Validity: day, Issuer: b.cert, Chain: chain[1:]}
			got := constraintFailures(p, r, env)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("failures %v, want %v", got, tt.want)
			}
			// The full chain (issuer first) judges the same.
			env.Chain = chain
			if again := constraintFailures(p, r, env); !reflect.DeepEqual(again, got) {
				t.Errorf("with the issuer in Chain: failures %v, want %v", again, got)
			}
			for _, f := range p.Judge(r, Env{Profile: "client", Validity: day, Issuer: b.cert, Chain: chain[1:]}).Failures() {
				if f.Rule == "nameConstraints" && !strings.Contains(f.Reason, `"Chain A"`) && !strings.Contains(f.Reason, `"Chain Root"`) {
					t.Errorf("the reason does not name the CA whose constraint is broken: %s", f.Reason)
				}
			}
			leaf := b.leaf(t, r, pkix.Name{CommonName: cn})
			refused := len(tt.want) > 0
			if tt.name != "cn outside a" { // crypto/x509 ignores the CN
				_, verr := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
				if refused != (verr != nil) {
					t.Errorf("Judge refused=%v, x509 Verify error=%v", refused, verr)
				}
			}
			if oerr := opensslVerify(t, leaf, chain); refused != (oerr != "") {
				t.Errorf("Judge refused=%v, openssl verify: %s", refused, oerr)
			}
		})
	}
}

// TestJudgeEmptySubjectWithoutSAN: RFC 5280, 4.1.2.6 wants a subject or a
// SAN; the subject is judged as the certificate would carry it, after the
// policy's drops.
func TestJudgeEmptySubjectWithoutSAN(t *testing.T) {
	const allOptional = `{
  "subject": {"CN": "optional", "O": "optional"},
  "unlisted": "drop",
  "san": {"dns": "any", "ip": "any", "email": "any", "uri": "any"},
  "profiles": ["client", "server"]
}`
	p := mustPolicy(t, allOptional)
	tests := []struct {
		name    string
		subject pkix.RDNSequence
		set     func(*Request)
		fail    bool
	}{
		{"empty subject, no SAN", pkix.RDNSequence{}, nil, true},
		{"every field dropped, no SAN", pkix.RDNSequence{rdn(oidOU, "Dropped"), rdn(oidL, "Gone")}, nil, true},
		{"empty CN only, no SAN", pkix.RDNSequence{rdn(oidCN, "")}, nil, true},
		{"empty subject, DNS SAN", pkix.RDNSequence{}, func(r *Request) { r.DNSNames = []string{"www.example.com"} }, false},
		{"empty subject, email SAN", pkix.RDNSequence{}, func(r *Request) { r.EmailAddresses = []string{"ops@example.com"} }, false},
		{"fields dropped, URI SAN", pkix.RDNSequence{rdn(oidOU, "Dropped")}, func(r *Request) { r.URIs = []*url.URL{{Scheme: "spiffe", Host: "example.com"}} }, false},
		{"a kept field, no SAN", pkix.RDNSequence{rdn(oidOU, "Dropped"), rdn(oidO, "Example")}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Request{Subject: tt.subject, PublicKey: testP256().Public()}
			if tt.set != nil {
				tt.set(&r)
			}
			j := p.Judge(r, Env{Profile: "client", Validity: day})
			var want []string
			if tt.fail {
				want = []string{"subject/subjectOrSAN"}
			}
			checkFailures(t, j, want)
			found := false
			for _, c := range j.Checks {
				found = found || c.Rule == "subjectOrSAN"
			}
			if !found {
				t.Error("no subjectOrSAN check listed")
			}
		})
	}

	// A CSR made by crypto/x509 with an empty subject and no SAN.
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, testP256())
	if err != nil {
		t.Fatal(err)
	}
	r := parseRequest(t, der)
	checkFailures(t, p.Judge(r, Env{Profile: "client", Validity: day}), []string{"subject/subjectOrSAN"})
}

// TestJudgeCNAgainstDNSConstraints: without a DNS SAN, OpenSSL checks a
// hostname-like CN against the DNS name constraints, so the judge does too.
func TestJudgeCNAgainstDNSConstraints(t *testing.T) {
	root := newTestCA(t, &x509.Certificate{
		Subject:             pkix.Name{CommonName: "CN Root"},
		PermittedDNSDomains: []string{"example.com"},
		ExcludedDNSDomains:  []string{"secret.example.com"},
	}, nil)
	p := DefaultPolicy(pkix.Name{})
	tests := []struct {
		cn   string
		set  func(*Request)
		fail bool
	}{
		{cn: "www.other.com", fail: true},
		{cn: "www.example.com"},
		{cn: "a.secret.example.com", fail: true},
		{cn: "WWW.Other.COM", fail: true},
		{cn: "a_b.other.com", fail: true},
		{cn: "10.0.0.1", fail: true}, // all digits and dots still look like a hostname to OpenSSL
		{cn: "Alice Smith"},
		{cn: "alice"},
		{cn: "x.other.com."},
		{cn: "-x.other.com"},
		{cn: "x-.other.com"},
		{cn: "x..other.com"},
		{cn: "www.other.com", set: func(r *Request) { r.DNSNames = []string{"www.example.com"} }},
		{cn: "www.other.com", set: func(r *Request) { r.IPAddresses = []net.IP{net.ParseIP("192.0.2.1").To4()} }, fail: true},
		{cn: "www.other.com", set: func(r *Request) { r.EmailAddresses = []string{"ops@other.com"} }, fail: true},
	}
	for i, tt := range tests {
		t.Run(strconv.Itoa(i)+"_"+tt.cn, func(t *testing.T) {
			r := Request{Subject: pkix.RDNSequence{rdn(oidCN, tt.cn)}, PublicKey: testP256().Public()}
			if tt.set != nil {
				tt.set(&r)
			}
			got := constraintFailures(p, r, Env{Profile: "client", Validity: day, Issuer: root.cert})
			var want []string
			if tt.fail {
				want = []string{"subject CN/nameConstraints"}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("failures %v, want %v", got, want)
			}
			leaf := root.leaf(t, r, pkix.Name{CommonName: tt.cn})
			if oerr := opensslVerify(t, leaf, []*x509.Certificate{root.cert}); tt.fail != (oerr != "") {
				t.Errorf("Judge refused=%v, openssl verify: %s", tt.fail, oerr)
			}
		})
	}

	// A CN the policy drops is not in the certificate, so it is not checked.
	dropCN := mustPolicy(t, `{"subject": {"O": "optional"}, "unlisted": "drop", "san": {"email": "any"}}`)
	r0 := Request{Subject: pkix.RDNSequence{oEx, rdn(oidCN, "www.other.com")}, PublicKey: testP256().Public()}
	if got := constraintFailures(dropCN, r0, Env{Profile: "client", Validity: day, Issuer: root.cert}); got != nil {
		t.Errorf("failures %v for a dropped CN", got)
	}
	want := `csr: subject CN "www.other.com" breaks rule "nameConstraints" of the policy: the CN looks like a hostname and the request has no DNS SAN, ` +
		`so verifiers such as OpenSSL check it as a DNS name: it is outside the permitted DNS domains "example.com" of the issuer; ` +
		`use a CN within them or one that is not a hostname, or add a DNS SAN within them`
	r0.Subject = pkix.RDNSequence{rdn(oidCN, "www.other.com")}
	if err := p.Judge(r0, Env{Profile: "client", Validity: day, Issuer: root.cert}).Err(); err == nil || err.Error() != want {
		t.Errorf("message\n%v\nwant\n%s", err, want)
	}

	// An issuer without DNS constraints takes any CN.
	free := newTestCA(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Free"}, PermittedIPRanges: []*net.IPNet{mustCIDR("10.0.0.0/8")}}, nil)
	r := Request{Subject: pkix.RDNSequence{rdn(oidCN, "www.other.com")}, PublicKey: testP256().Public()}
	if got := constraintFailures(p, r, Env{Profile: "client", Validity: day, Issuer: free.cert}); got != nil {
		t.Errorf("failures %v under an issuer without DNS constraints", got)
	}
}
