package csr

import (
	"crypto"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"net"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

type judgeCase struct {
	name   string
	policy string // "" means the spec's example policy
	mutate func(t *testing.T, r *Request, env *Env)
	want   []string // failed "Field/Rule", any order
}

func runJudgeCases(t *testing.T, cases []judgeCase) {
	t.Helper()
	spec := mustPolicy(t, specPolicy)
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			p := spec
			if tt.policy != "" {
				p = mustPolicy(t, tt.policy)
			}
			r, env := baseRequest(), serverEnv()
			if tt.mutate != nil {
				tt.mutate(t, &r, &env)
			}
			checkFailures(t, p.Judge(r, env), tt.want)
		})
	}
}

// policyWith replaces a top-level part of the spec policy.
func policyWith(old, new string) string {
	if !strings.Contains(specPolicy, old) {
		panic("policyWith: " + old)
	}
	return strings.Replace(specPolicy, old, new, 1)
}

func setSubject(seq ...pkix.RelativeDistinguishedNameSET) func(*testing.T, *Request, *Env) {
	return func(_ *testing.T, r *Request, _ *Env) { r.Subject = pkix.RDNSequence(seq) }
}

func addSubject(seq ...pkix.RelativeDistinguishedNameSET) func(*testing.T, *Request, *Env) {
	return func(_ *testing.T, r *Request, _ *Env) { r.Subject = append(r.Subject, seq...) }
}

var (
	cDE   = rdn(oidC, "DE")
	oEx   = rdn(oidO, "Example")
	cnWWW = rdn(oidCN, "www.example.com")
)

func TestJudgeSubject(t *testing.T) {
	long := strings.Repeat("a", 60) + ".example.com" // 72 characters
	runJudgeCases(t, []judgeCase{
		{name: "all good"},
		{name: "OU allowed", mutate: addSubject(rdn(oidOU, "Servers"))},
		{name: "OU not allowed", mutate: addSubject(rdn(oidOU, "Sales")), want: []string{"subject OU/allow"}},
		{name: "CN missing", mutate: setSubject(cDE, oEx), want: []string{"subject CN/supplied"}},
		{name: "CN empty", mutate: setSubject(cDE, oEx, rdn(oidCN, " ")),
			want: []string{"subject CN/supplied", "subject CN/pattern", "subject CN/cnInSAN"}},
		{name: "CN breaks pattern", mutate: setSubject(cDE, oEx, rdn(oidCN, "WWW.example.com")), want: []string{"subject CN/cnInSAN", "subject CN/pattern"}},
		{name: "CN too long", mutate: func(_ *testing.T, r *Request, _ *Env) {
			r.Subject = pkix.RDNSequence{cDE, oEx, rdn(oidCN, long)}
			r.DNSNames = []string{long}
		}, want: []string{"subject CN/maxLength", "subject CN/length"}},
		{name: "CN too long without a policy limit", policy: policyWith(`"CN": {"rule": "supplied", "pattern": "^[a-z0-9-]+(\\.[a-z0-9-]+)*$", "maxLength": 64}`, `"CN": "supplied"`),
			mutate: func(_ *testing.T, r *Request, _ *Env) {
				r.Subject = pkix.RDNSequence{cDE, oEx, rdn(oidCN, long)}
				r.DNSNames = []string{long}
			}, want: []string{"subject CN/length"}},
		{name: "duplicate CN", mutate: addSubject(cnWWW), want: []string{"subject CN/unique"}},
		{name: "duplicate OU in one RDN", mutate: addSubject(pkix.RelativeDistinguishedNameSET{{Type: oidOU, Value: "Servers"}, {Type: oidOU, Value: "Devices"}}),
			want: []string{"subject OU/unique"}},
		{name: "C differs from issuer", mutate: setSubject(rdn(oidC, "FR"), oEx, cnWWW), want: []string{"subject C/match"}},
		{name: "C missing", mutate: setSubject(oEx, cnWWW), want: []string{"subject C/match"}},
		{name: "C lower case", mutate: setSubject(rdn(oidC, "de"), oEx, cnWWW), want: []string{"subject C/match", "subject C/country"}},
		{name: "C three letters", mutate: setSubject(rdn(oidC, "DEU"), oEx, cnWWW), want: []string{"subject C/match", "subject C/country"}},
		{name: "O differs from issuer", mutate: setSubject(cDE, rdn(oidO, "Evil"), cnWWW), want: []string{"subject O/match"}},
		{name: "match where the issuer lacks the field", policy: policyWith(`"L":  "optional"`, `"L": "match"`),
			mutate: addSubject(rdn(oidL, "Berlin")), want: []string{"subject L/match"}},
		{name: "match where neither has the field", policy: policyWith(`"L":  "optional"`, `"L": "match"`)},
		{name: "forbidden present", policy: policyWith(`"L":  "optional"`, `"L": "forbidden"`),
			mutate: addSubject(rdn(oidL, "Berlin")), want: []string{"subject L/forbidden"}},
		{name: "forbidden absent", policy: policyWith(`"L":  "optional"`, `"L": "forbidden"`)},
		{name: "unlisted rejected", mutate: addSubject(rdn(oidSerial, "1234")), want: []string{"subject serialNumber/unlisted"}},
		{name: "unknown OID rejected", mutate: addSubject(rdn(asn1.ObjectIdentifier{1, 2, 3, 4}, "x")), want: []string{"subject 1.2.3.4/unlisted"}},
		{name: "unlisted dropped", policy: policyWith(`"unlisted": "reject"`, `"unlisted": "drop"`), mutate: addSubject(rdn(oidSerial, "1234"))},
		{name: "NUL in a value", mutate: addSubject(rdn(oidL, "Ber\x00lin")), want: []string{"subject L/printable"}},
		{name: "control character in a value", mutate: addSubject(rdn(oidL, "Ber\nlin")), want: []string{"subject L/printable"}},
		{name: "invalid UTF-8", mutate: addSubject(rdn(oidL, "Ber\xfflin")), want: []string{"subject L/printable"}},
		{name: "not a string", mutate: addSubject(rdn(oidL, 42)), want: []string{"subject L/printable"}},
		{name: "L over RFC 5280 bound", mutate: addSubject(rdn(oidL, strings.Repeat("x", 129))), want: []string{"subject L/length"}},
	})
}

func TestSubjectDrop(t *testing.T) {
	p := mustPolicy(t, policyWith(`"unlisted": "reject"`, `"unlisted": "drop"`))
	r := baseRequest()
	r.Subject = append(r.Subject, rdn(oidSerial, "1234"), rdn(oidOU, "Servers"))
	j := p.Judge(r, serverEnv())
	checkFailures(t, j, nil)
	dropped := false
	for _, c := range j.Checks {
		dropped = dropped || (c.Field == "subject serialNumber" && c.Rule == "unlisted" && c.Pass && c.Reason == "dropped")
	}
	if !dropped {
		t.Error("no passing 'dropped' check for serialNumber")
	}
	got := p.Subject(r)
	if got.SerialNumber != "" || got.CommonName != "www.example.com" || len(got.OrganizationalUnit) != 1 || got.Country[0] != "DE" {
		t.Errorf("Subject = %+v", got)
	}

	// With reject, Subject keeps everything; unknown types go to ExtraNames.
	unknown := asn1.ObjectIdentifier{1, 2, 3, 4}
	r.Subject = append(r.Subject, rdn(unknown, "x"))
	got = mustPolicy(t, specPolicy).Subject(r)
	if got.SerialNumber != "1234" || len(got.ExtraNames) != 1 || !got.ExtraNames[0].Type.Equal(unknown) {
		t.Errorf("Subject = %+v", got)
	}
}

func TestJudgeDNS(t *testing.T) {
	dns := func(names ...string) func(*testing.T, *Request, *Env) {
		return func(_ *testing.T, r *Request, env *Env) {
			r.DNSNames = append(r.DNSNames, names...)
		}
	}
	label64 := strings.Repeat("a", 64)
	long := strings.Repeat(strings.Repeat("a", 60)+".", 4) + "example.com" // 255 characters
	denyWins := policyWith(`"allow": ["example.com", "*.example.com"]`, `"allow": ["example.com", "*.example.com", "*.corp.example.com"]`)
	runJudgeCases(t, []judgeCase{
		{name: "apex", mutate: dns("example.com")},
		{name: "one label below", mutate: dns("api.example.com")},
		{name: "wildcard under allowed wildcard", mutate: dns("*.example.com")},
		{name: "A-label", mutate: dns("xn--bcher-kva.example.com")},
		{name: "two labels below", mutate: dns("a.b.example.com"), want: []string{"san dns/allow"}},
		{name: "other domain", mutate: dns("example.org"), want: []string{"san dns/allow"}},
		{name: "suffix is not a label", mutate: dns("badexample.com"), want: []string{"san dns/allow"}},
		{name: "denied", mutate: dns("a.corp.example.com"), want: []string{"san dns/allow", "san dns/deny"}},
		{name: "deny wins over allow", policy: denyWins, mutate: dns("a.corp.example.com"), want: []string{"san dns/deny"}},
		{name: "deny does not cover the apex", policy: denyWins, mutate: dns("corp.example.com")},
		{name: "underscore", mutate: dns("foo_bar.example.com"), want: []string{"san dns/hostname"}},
		{name: "empty label", mutate: dns("a..example.com"), want: []string{"san dns/hostname"}},
		{name: "empty name", mutate: dns(""), want: []string{"san dns/hostname"}},
		{name: "trailing dot", mutate: dns("api.example.com."), want: []string{"san dns/hostname"}},
		{name: "NUL", mutate: dns("api.example.com\x00.evil.org"), want: []string{"san dns/hostname"}},
		{name: "leading hyphen", mutate: dns("-api.example.com"), want: []string{"san dns/hostname"}},
		{name: "trailing hyphen", mutate: dns("api-.example.com"), want: []string{"san dns/hostname"}},
		{name: "upper case", mutate: dns("API.example.com"), want: []string{"san dns/hostname"}},
		{name: "U-label", mutate: dns("bücher.example.com"), want: []string{"san dns/hostname"}},
		{name: "bad punycode", mutate: dns("xn--a.example.com"), want: []string{"san dns/hostname"}},
		{name: "reserved hyphens", mutate: dns("ab--cd.example.com"), want: []string{"san dns/hostname"}},
		{name: "label over 63", mutate: dns(label64 + ".example.com"), want: []string{"san dns/hostname"}},
		{name: "name over 253", mutate: dns(long), want: []string{"san dns/hostname"}},
		{name: "space", mutate: dns("a b.example.com"), want: []string{"san dns/hostname"}},
		{name: "IP address as DNS name", mutate: dns("192.0.2.1"), want: []string{"san dns/hostname"}},
		{name: "wildcard over a TLD", mutate: dns("*.com"), want: []string{"san dns/wildcard"}},
		{name: "bare wildcard", mutate: dns("*"), want: []string{"san dns/wildcard"}},
		{name: "wildcard not left-most", mutate: dns("a.*.example.com"), want: []string{"san dns/wildcard"}},
		{name: "partial wildcard", mutate: dns("a*.example.com"), want: []string{"san dns/wildcard"}},
		{name: "no dns rule", policy: policyWith(`"dns":   {"allow": ["example.com", "*.example.com"], "deny": ["*.corp.example.com"]},`, ""),
			want: []string{"san dns/sanType"}},
	})

	// The message for a U-label names the A-label.
	r := baseRequest()
	r.DNSNames = append(r.DNSNames, "bücher.example.com")
	err := mustPolicy(t, specPolicy).Judge(r, serverEnv()).Err()
	if err == nil || !containsAll(err.Error(), "A-label", "xn--bcher-kva.example.com") {
		t.Errorf("U-label refusal = %v", err)
	}
}

func TestJudgeIPEmailURI(t *testing.T) {
	ipPolicy := policyWith(`"ip":    "any"`, `"ip": {"allow": ["10.0.0.0/8", "2001:db8::/32"], "deny": ["10.1.0.0/16"]}`)
	ip := func(s string) func(*testing.T, *Request, *Env) {
		return func(_ *testing.T, r *Request, _ *Env) { r.IPAddresses = append(r.IPAddresses, net.ParseIP(s)) }
	}
	email := func(s string) func(*testing.T, *Request, *Env) {
		return func(_ *testing.T, r *Request, _ *Env) { r.EmailAddresses = append(r.EmailAddresses, s) }
	}
	uri := func(s string) func(*testing.T, *Request, *Env) {
		return func(t *testing.T, r *Request, _ *Env) { r.URIs = append(r.URIs, mustURL(t, s)) }
	}
	runJudgeCases(t, []judgeCase{
		{name: "ip any", mutate: ip("198.51.100.7")},
		{name: "ip in allowed range", policy: ipPolicy, mutate: ip("10.2.3.4")},
		{name: "ipv6 in allowed range", policy: ipPolicy, mutate: ip("2001:db8::1")},
		{name: "ip outside", policy: ipPolicy, mutate: ip("192.168.1.1"), want: []string{"san ip/allow"}},
		{name: "ip denied", policy: ipPolicy, mutate: ip("10.1.2.3"), want: []string{"san ip/deny"}},
		{name: "ip of bad length", mutate: func(_ *testing.T, r *Request, _ *Env) { r.IPAddresses = append(r.IPAddresses, net.IP{1, 2, 3}) },
			want: []string{"san ip/address"}},
		{name: "email allowed", mutate: email("ops@example.com")},
		{name: "email domain case", mutate: email("ops@Example.COM")},
		{name: "email subdomain", mutate: email("ops@mail.example.com"), want: []string{"san email/allow"}},
		{name: "email other domain", mutate: email("ops@example.org"), want: []string{"san email/allow"}},
		{name: "email without @", mutate: email("ops.example.com"), want: []string{"san email/addrSpec"}},
		{name: "email with doubled dot", mutate: email("a..b@example.com"), want: []string{"san email/addrSpec"}},
		{name: "email with bad domain", mutate: email("a@ex_ample.com"), want: []string{"san email/addrSpec"}},
		{name: "email empty local", mutate: email("@example.com"), want: []string{"san email/addrSpec"}},
		{name: "email non-ASCII", mutate: email("jörg@example.com"), want: []string{"san email/addrSpec"}},
		{name: "uri allowed prefix", mutate: uri("spiffe://example.com/ns/web")},
		{name: "uri other trust domain", mutate: uri("spiffe://example.org/ns/web"), want: []string{"san uri/allow"}},
		{name: "uri prefix is not a host suffix", mutate: uri("spiffe://example.com.evil.org/x"), want: []string{"san uri/allow"}},
		{name: "uri relative", mutate: uri("/ns/web"), want: []string{"san uri/uri"}},
		{name: "uri nil", mutate: func(_ *testing.T, r *Request, _ *Env) { r.URIs = append(r.URIs, nil) }, want: []string{"san uri/uri"}},
		{name: "uri exact entry", policy: policyWith(`"spiffe://example.com/*"`, `"urn:example:one"`), mutate: uri("urn:example:one")},
		{name: "uri exact entry is not a prefix", policy: policyWith(`"spiffe://example.com/*"`, `"urn:example:one"`), mutate: uri("urn:example:one:two"),
			want: []string{"san uri/allow"}},
		{name: "no uri rule", policy: policyWith(`,
    "uri":   {"allow": ["spiffe://example.com/*"]}`, ""), mutate: uri("spiffe://example.com/x"), want: []string{"san uri/sanType"}},
		{name: "no email rule", policy: policyWith(`
    "email": {"allow": ["example.com"]},`, ""), mutate: email("ops@example.com"), want: []string{"san email/sanType"}},
		{name: "no ip rule", policy: policyWith(`
    "ip":    "any",`, ""), mutate: ip("192.0.2.1"), want: []string{"san ip/sanType"}},
	})
}

func TestJudgeSANCountAndTypes(t *testing.T) {
	otherName := asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true,
		Bytes: mustMarshal(t, asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 20, 2, 3})}
	dnsName := asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 2, Bytes: []byte("www.example.com")}
	runJudgeCases(t, []judgeCase{
		{name: "at the limit", mutate: func(_ *testing.T, r *Request, env *Env) {
			env.MaxSANs = 3
			r.DNSNames = []string{"www.example.com", "a.example.com", "b.example.com"}
		}},
		{name: "over the env limit", mutate: func(_ *testing.T, r *Request, env *Env) {
			env.MaxSANs = 3
			r.DNSNames = []string{"www.example.com", "a.example.com", "b.example.com"}
			r.IPAddresses = []net.IP{net.IPv4(192, 0, 2, 1)}
		}, want: []string{"san/maxSANs"}},
		{name: "over the default limit", mutate: func(_ *testing.T, r *Request, _ *Env) {
			for i := 0; i < MaxSANs; i++ {
				r.DNSNames = append(r.DNSNames, "h"+strings.Repeat("x", i)+".example.com")
			}
		}, want: []string{"san/maxSANs"}},
		{name: "otherName SAN", mutate: func(t *testing.T, r *Request, _ *Env) {
			r.Extensions = []pkix.Extension{{Id: oidExtSAN, Value: sanValue(t, dnsName, otherName)}}
		}, want: []string{"san/sanType"}},
	})
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	der, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestJudgeProfile(t *testing.T) {
	runJudgeCases(t, []judgeCase{
		{name: "unknown profile", mutate: func(_ *testing.T, _ *Request, env *Env) { env.Profile = "admin" }, want: []string{"profile/profiles"}},
		{name: "no profile", mutate: func(_ *testing.T, _ *Request, env *Env) { env.Profile = "" }, want: []string{"profile/profiles"}},
		{name: "profile not in policy", policy: policyWith(`"profiles": ["server", "client", "device"]`, `"profiles": ["client"]`),
			want: []string{"profile/profiles"}},
		{name: "server without SAN", mutate: func(_ *testing.T, r *Request, _ *Env) {
			r.DNSNames = nil
			r.EmailAddresses = []string{"ops@example.com"}
		}, want: []string{"san/requireSAN", "subject CN/cnInSAN"}},
		{name: "client without SAN", mutate: func(_ *testing.T, r *Request, env *Env) {
			env.Profile, env.RequireSAN, env.CNMustBeSAN = "client", false, false
			r.DNSNames = nil
		}},
		{name: "CN not among SANs", mutate: func(_ *testing.T, r *Request, _ *Env) { r.DNSNames = []string{"api.example.com"} },
			want: []string{"subject CN/cnInSAN"}},
		{name: "CN as IP SAN", mutate: func(_ *testing.T, r *Request, _ *Env) {
			r.Subject = pkix.RDNSequence{cDE, oEx, rdn(oidCN, "192.0.2.1")}
			r.DNSNames = nil
			r.IPAddresses = []net.IP{net.ParseIP("192.0.2.1")}
		}},
		{name: "no CN on a server", policy: policyWith(`"rule": "supplied", "pattern"`, `"rule": "optional", "pattern"`),
			mutate: setSubject(cDE, oEx)},
	})
}

// TestCNExactlyFromSAN: a CN that names an IP SAN must spell it as the
// certificate carries it (BR lint e_subject_common_name_not_exactly_from_san),
// and the refusal says how.
func TestCNExactlyFromSAN(t *testing.T) {
	for _, c := range []struct {
		cn, ip string
		in     bool
		hint   string
	}{
		{"2001:db8::1", "2001:db8::1", true, ""},
		{"2001:DB8::1", "2001:db8::1", false, "2001:db8::1"},
		{"2001:db8:0::1", "2001:db8::1", false, "2001:db8::1"},
		{"10.0.0.1", "::ffff:10.0.0.1", true, ""},
		{"::ffff:10.0.0.1", "::ffff:10.0.0.1", false, "10.0.0.1"},
		{"10.0.0.2", "10.0.0.1", false, ""},
	} {
		r := Request{IPAddresses: []net.IP{net.ParseIP(c.ip)}}
		if got := cnInSANs(c.cn, r); got != c.in {
			t.Errorf("cnInSANs(%q, IP %s) = %v, want %v", c.cn, c.ip, got, c.in)
		}
		if got := otherSpellingSAN(c.cn, r); !c.in && got != c.hint {
			t.Errorf("otherSpellingSAN(%q, IP %s) = %q, want %q", c.cn, c.ip, got, c.hint)
		}
	}
}

func TestJudgeKey(t *testing.T) {
	key := func(k crypto.PublicKey) func(*testing.T, *Request, *Env) {
		return func(_ *testing.T, r *Request, _ *Env) { r.PublicKey = k }
	}
	rsaWith := func(n *big.Int, e int) *rsa.PublicKey { return &rsa.PublicKey{N: n, E: e} }
	n2048 := testRSA2048().N
	odd := new(big.Int).Lsh(big.NewInt(1), 2049) // 2050 bits: not a multiple of 8
	odd.Add(odd, big.NewInt(1))
	x25519, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	onlyP256 := policyWith(`"keyTypes": ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096", "ed25519"]`, `"keyTypes": ["ecdsa-p256"]`)
	runJudgeCases(t, []judgeCase{
		{name: "p256", mutate: key(testP256().Public())},
		{name: "p384", mutate: key(testP384().Public())},
		{name: "rsa-2048", mutate: key(testRSA2048().Public())},
		{name: "ed25519", mutate: key(testEd25519().Public())},
		{name: "type not in policy", policy: onlyP256, mutate: key(testEd25519().Public()), want: []string{"key/keyTypes"}},
		{name: "rsa-1024", mutate: key(testRSA1024().Public()), want: []string{"key/strength", "key/keyTypes"}},
		{name: "rsa exponent 3", mutate: key(rsaWith(n2048, 3)), want: []string{"key/strength"}},
		{name: "rsa modulus not a multiple of 8", mutate: key(rsaWith(odd, 65537)), want: []string{"key/strength", "key/keyTypes"}},
		{name: "rsa over 8192", mutate: key(rsaWith(new(big.Int).Lsh(big.NewInt(1), 8200), 65537)), want: []string{"key/strength", "key/keyTypes"}},
		{name: "rsa empty", mutate: key(&rsa.PublicKey{}), want: []string{"key/strength", "key/keyTypes"}},
		{name: "p224", mutate: key(testP224().Public()), want: []string{"key/strength", "key/keyTypes"}},
		{name: "p521", mutate: key(testP521().Public()), want: []string{"key/strength", "key/keyTypes"}},
		{name: "x25519", mutate: key(x25519.PublicKey()), want: []string{"key/strength", "key/keyTypes"}},
		{name: "no key", mutate: key(nil), want: []string{"key/strength", "key/keyTypes"}},
		{name: "nil rsa pointer", mutate: key((*rsa.PublicKey)(nil)), want: []string{"key/strength", "key/keyTypes"}},
		{name: "issuer's key", mutate: key(testIssuer().Public()), want: []string{"key/issuerKey"}},
		{name: "another issuer's key", mutate: func(_ *testing.T, r *Request, env *Env) {
			env.IssuerKeys = append(env.IssuerKeys, testRSA2048().Public())
			r.PublicKey = testRSA2048().Public()
		}, want: []string{"key/issuerKey"}},
	})
}

func TestKeyTypeOf(t *testing.T) {
	tests := []struct {
		name string
		key  crypto.PublicKey
		want string
	}{
		{"p256", testP256().Public(), "ecdsa-p256"},
		{"p384", testP384().Public(), "ecdsa-p384"},
		{"rsa-2048", testRSA2048().Public(), "rsa-2048"},
		{"rsa-1024", testRSA1024().Public(), "rsa-1024"},
		{"rsa-3072 size", &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 3071), E: 65537}, "rsa-3072"},
		{"rsa-4096 size", &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 4095), E: 65537}, "rsa-4096"},
		{"ed25519", testEd25519().Public(), "ed25519"},
		{"p521", testP521().Public(), ""},
		{"nil", nil, ""},
		{"private key", testP256(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := KeyTypeOf(tt.key)
			if tt.want == "" {
				if err == nil || !strings.HasPrefix(err.Error(), "csr: ") {
					t.Errorf("KeyTypeOf = %q, %v; want a csr: error", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("KeyTypeOf = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestJudgeValidity(t *testing.T) {
	runJudgeCases(t, []judgeCase{
		{name: "at the maximum", mutate: func(_ *testing.T, _ *Request, env *Env) { env.Validity = 397 * day }},
		{name: "over the maximum", mutate: func(_ *testing.T, _ *Request, env *Env) { env.Validity = 397*day + 1 }, want: []string{"validity/maxValidity"}},
		{name: "zero", mutate: func(_ *testing.T, _ *Request, env *Env) { env.Validity = 0 }, want: []string{"validity/maxValidity"}},
		{name: "negative", mutate: func(_ *testing.T, _ *Request, env *Env) { env.Validity = -day }, want: []string{"validity/maxValidity"}},
	})
}

func TestJudgeExtensions(t *testing.T) {
	bc := func(v any) []byte { return mustMarshal(t, v) }
	type caFalse struct {
		IsCA bool `asn1:"optional"`
	}
	type caPath struct {
		IsCA    bool `asn1:"optional"`
		PathLen int
	}
	ku := func(bits ...int) asn1.BitString {
		var b [2]byte
		n := 0
		for _, i := range bits {
			b[i/8] |= 0x80 >> (i % 8)
			n = max(n, i+1)
		}
		return asn1.BitString{Bytes: b[:(n+7)/8], BitLength: n}
	}
	oidServerAuth := asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}
	oidClientAuth := asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2}
	with := func(exts ...func(t *testing.T) pkix.Extension) func(*testing.T, *Request, *Env) {
		return func(t *testing.T, r *Request, _ *Env) {
			for _, e := range exts {
				r.Extensions = append(r.Extensions, e(t))
			}
		}
	}
	e := func(oid asn1.ObjectIdentifier, critical bool, v any) func(t *testing.T) pkix.Extension {
		return func(t *testing.T) pkix.Extension { return ext(t, oid, critical, v) }
	}
	runJudgeCases(t, []judgeCase{
		{name: "SAN taken", mutate: with(e(oidExtSAN, false, sanValue(t, asn1.RawValue{Class: 2, Tag: 2, Bytes: []byte("www.example.com")})))},
		{name: "CA:FALSE", mutate: with(e(oidExtBasicConstraints, true, bc(caFalse{})))},
		{name: "CA:TRUE", mutate: with(e(oidExtBasicConstraints, true, bc(caFalse{true}))), want: []string{"extension/basicConstraints"}},
		{name: "CA:FALSE with path length", mutate: with(e(oidExtBasicConstraints, true, bc(caPath{false, 0}))), want: []string{"extension/basicConstraints"}},
		{name: "basicConstraints garbage", mutate: with(e(oidExtBasicConstraints, true, []byte{0x04, 0x00})), want: []string{"extension/basicConstraints"}},
		{name: "keyUsage granted", mutate: with(e(oidExtKeyUsage, true, ku(0)))},
		{name: "keyUsage keyCertSign", mutate: with(e(oidExtKeyUsage, true, ku(0, 5))), want: []string{"extension/keyUsage"}},
		{name: "keyUsage cRLSign", mutate: with(e(oidExtKeyUsage, true, ku(6))), want: []string{"extension/keyUsage"}},
		{name: "keyUsage keyEncipherment not granted", mutate: with(e(oidExtKeyUsage, true, ku(0, 2))), want: []string{"extension/keyUsage"}},
		{name: "keyUsage granted by env", mutate: func(t *testing.T, r *Request, env *Env) {
			env.KeyUsage |= x509.KeyUsageKeyEncipherment
			with(e(oidExtKeyUsage, true, ku(0, 2)))(t, r, env)
		}},
		{name: "extKeyUsage granted", mutate: with(e(oidExtExtKeyUsage, false, []asn1.ObjectIdentifier{oidServerAuth}))},
		{name: "extKeyUsage not granted", mutate: with(e(oidExtExtKeyUsage, false, []asn1.ObjectIdentifier{oidServerAuth, oidClientAuth})), want: []string{"extension/extKeyUsage"}},
		{name: "extKeyUsage unknown", mutate: with(e(oidExtExtKeyUsage, false, []asn1.ObjectIdentifier{{1, 2, 3, 4}})), want: []string{"extension/extKeyUsage"}},
		{name: "subjectKeyIdentifier ignored", mutate: with(e(oidExtSubjectKeyID, false, []byte{1, 2, 3}))},
		{name: "name constraints", mutate: with(e(asn1.ObjectIdentifier{2, 5, 29, 30}, true, bc(caFalse{}))), want: []string{"extension/extensions"}},
		{name: "CRL distribution points", mutate: with(e(asn1.ObjectIdentifier{2, 5, 29, 31}, false, bc(caFalse{}))), want: []string{"extension/extensions"}},
		{name: "AIA", mutate: with(e(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}, false, bc(caFalse{}))), want: []string{"extension/extensions"}},
		{name: "must-staple", mutate: with(e(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 24}, false, bc([]int{5}))), want: []string{"extension/extensions"}},
		{name: "certificate policies", mutate: with(e(asn1.ObjectIdentifier{2, 5, 29, 32}, false, bc(caFalse{}))), want: []string{"extension/extensions"}},
		{name: "unknown critical", mutate: with(e(asn1.ObjectIdentifier{1, 2, 3, 4, 5}, true, []byte{5, 0})), want: []string{"extension/extensions"}},
		{name: "unknown non-critical", mutate: with(e(asn1.ObjectIdentifier{1, 2, 3, 4, 5}, false, []byte{5, 0})), want: []string{"extension/extensions"}},
		{name: "duplicate", mutate: with(e(oidExtKeyUsage, true, ku(0)), e(oidExtKeyUsage, true, ku(0))), want: []string{"extension/unique"}},
	})

	// Refusals name the OID and the extension.
	r := baseRequest()
	r.Extensions = []pkix.Extension{ext(t, asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 24}, false, []int{5})}
	if err := mustPolicy(t, specPolicy).Judge(r, serverEnv()).Err(); err == nil || !containsAll(err.Error(), "1.3.6.1.5.5.7.1.24", "must-staple") {
		t.Errorf("must-staple refusal = %v", err)
	}
}

func TestJudgeNameConstraints(t *testing.T) {
	issuer := mustIssuer(&x509.Certificate{
		Subject:                 pkix.Name{Country: []string{"DE"}, Organization: []string{"Example"}, CommonName: "Constrained"},
		PermittedDNSDomains:     []string{"example.com", ".example.net"},
		ExcludedDNSDomains:      []string{"secret.example.com"},
		PermittedIPRanges:       []*net.IPNet{mustCIDR("10.0.0.0/8")},
		ExcludedIPRanges:        []*net.IPNet{mustCIDR("10.9.0.0/16")},
		PermittedEmailAddresses: []string{"example.com", "boss@example.org"},
		PermittedURIDomains:     []string{"example.com"},
	})
	p := DefaultPolicy(issuer.Subject)
	tests := []struct {
		name  string
		field string
		set   func(*Request)
		fail  bool
	}{
		{"dns permitted apex", "san dns", func(r *Request) { r.DNSNames = []string{"example.com"} }, false},
		{"dns permitted subdomain", "san dns", func(r *Request) { r.DNSNames = []string{"a.b.example.com"} }, false},
		{"dns leading-dot constraint covers subdomains", "san dns", func(r *Request) { r.DNSNames = []string{"www.example.net"} }, false},
		{"dns leading-dot constraint excludes the apex", "san dns", func(r *Request) { r.DNSNames = []string{"example.net"} }, true},
		{"dns outside", "san dns", func(r *Request) { r.DNSNames = []string{"example.org"} }, true},
		{"dns label suffix is not a subdomain", "san dns", func(r *Request) { r.DNSNames = []string{"badexample.com"} }, true},
		{"dns excluded", "san dns", func(r *Request) { r.DNSNames = []string{"a.secret.example.com"} }, true},
		{"dns wildcard over an excluded name", "san dns", func(r *Request) { r.DNSNames = []string{"*.example.com"} }, true},
		{"ip permitted", "san ip", func(r *Request) { r.IPAddresses = []net.IP{net.ParseIP("10.1.2.3").To4()} }, false},
		{"ip outside", "san ip", func(r *Request) { r.IPAddresses = []net.IP{net.ParseIP("192.0.2.1").To4()} }, true},
		{"ip excluded", "san ip", func(r *Request) { r.IPAddresses = []net.IP{net.ParseIP("10.9.1.1").To4()} }, true},
		{"ipv6 outside v4 constraints", "san ip", func(r *Request) { r.IPAddresses = []net.IP{net.ParseIP("2001:db8::1")} }, true},
		{"email domain", "san email", func(r *Request) { r.EmailAddresses = []string{"ops@example.com"} }, false},
		{"email subdomain", "san email", func(r *Request) { r.EmailAddresses = []string{"ops@mail.example.com"} }, false},
		{"email mailbox", "san email", func(r *Request) { r.EmailAddresses = []string{"boss@example.org"} }, false},
		{"email other mailbox", "san email", func(r *Request) { r.EmailAddresses = []string{"intern@example.org"} }, true},
		{"uri permitted", "san uri", func(r *Request) { r.URIs = []*url.URL{{Scheme: "spiffe", Host: "example.com", Path: "/x"}} }, false},
		{"uri outside", "san uri", func(r *Request) { r.URIs = []*url.URL{{Scheme: "spiffe", Host: "evil.org", Path: "/x"}} }, true},
		{"uri without host", "san uri", func(r *Request) { r.URIs = []*url.URL{{Scheme: "urn", Opaque: "example:x"}} }, true},
		{"uri with IP host", "san uri", func(r *Request) { r.URIs = []*url.URL{{Scheme: "https", Host: "10.0.0.1"}} }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Request{Subject: pkix.RDNSequence{cDE, oEx, rdn(oidCN, "client")}, PublicKey: testP256().Public()}
			tt.set(&r)
			env := Env{Profile: "client", Validity: day, Issuer: issuer}
			var got []string
			for _, c := range p.Judge(r, env).Failures() {
				got = append(got, c.Field+"/"+c.Rule)
			}
			var want []string
			if tt.fail {
				want = []string{tt.field + "/nameConstraints"}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("failures %v, want %v", got, want)
			}
		})
	}
}

// TestNameConstraintsAgreeWithX509 issues real leaves under a constrained
// CA and checks that Judge agrees with crypto/x509's chain verification.
func TestNameConstraintsAgreeWithX509(t *testing.T) {
	ca := mustIssuer(&x509.Certificate{
		Subject:                 pkix.Name{CommonName: "Constrained"},
		PermittedDNSDomains:     []string{"example.com", ".example.net"},
		ExcludedDNSDomains:      []string{"secret.example.com", "www.example.net"},
		PermittedIPRanges:       []*net.IPNet{mustCIDR("10.0.0.0/8"), mustCIDR("2001:db8::/32")},
		ExcludedIPRanges:        []*net.IPNet{mustCIDR("10.9.0.0/16")},
		PermittedEmailAddresses: []string{"example.com", ".example.org", "boss@example.net"},
		ExcludedEmailAddresses:  []string{"spam@example.com"},
		PermittedURIDomains:     []string{"example.com", ".example.org"},
		ExcludedURIDomains:      []string{"bad.example.com"},
	})
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	p := DefaultPolicy(pkix.Name{})
	type leafNames struct {
		dns   []string
		ips   []net.IP
		email []string
		uris  []*url.URL
	}
	var cases []leafNames
	for _, n := range []string{
		"example.com", "www.example.com", "a.b.example.com", "example.net", "api.example.net",
		"www.example.net", "x.www.example.net", "secret.example.com", "a.secret.example.com",
		"example.org", "badexample.com", "*.example.com", "*.example.net", "*.secret.example.com",
	} {
		cases = append(cases, leafNames{dns: []string{n}})
	}
	for _, ip := range []string{"10.1.2.3", "10.9.1.1", "192.0.2.1", "2001:db8::1", "2001:db9::1"} {
		parsed := net.ParseIP(ip)
		if v4 := parsed.To4(); v4 != nil {
			parsed = v4
		}
		cases = append(cases, leafNames{ips: []net.IP{parsed}})
	}
	for _, e := range []string{"ops@example.com", "ops@mail.example.com", "spam@example.com", "ops@example.org",
		"ops@a.example.org", "boss@example.net", "intern@example.net", "ops@example.edu"} {
		cases = append(cases, leafNames{email: []string{e}})
	}
	for _, u := range []string{"spiffe://example.com/x", "https://a.example.com:8443/", "spiffe://bad.example.com/x",
		"spiffe://example.org/x", "spiffe://a.example.org/x", "spiffe://evil.com/x", "urn:uuid:1234"} {
		cases = append(cases, leafNames{uris: []*url.URL{mustURL(t, u)}})
	}
	verdicts := map[bool]int{}
	for i, c := range cases {
		label := strings.Join(c.dns, "") + strings.Join(c.email, "")
		for _, ip := range c.ips {
			label += ip.String()
		}
		for _, u := range c.uris {
			label += u.String()
		}
		t.Run(strconv.Itoa(i)+"_"+label, func(t *testing.T) {
			leafDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
				SerialNumber:   big.NewInt(2),
				NotBefore:      ca.NotBefore,
				NotAfter:       ca.NotAfter,
				DNSNames:       c.dns,
				IPAddresses:    c.ips,
				EmailAddresses: c.email,
				URIs:           c.uris,
				ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			}, ca, testP256().Public(), testIssuer())
			if err != nil {
				t.Fatal(err)
			}
			leaf, err := x509.ParseCertificate(leafDER)
			if err != nil {
				t.Fatal(err)
			}
			_, verr := leaf.Verify(x509.VerifyOptions{Roots: roots})
			r := Request{DNSNames: c.dns, IPAddresses: c.ips, EmailAddresses: c.email, URIs: c.uris,
				PublicKey: testP256().Public(), Subject: pkix.RDNSequence{rdn(oidCN, "leaf")}}
			refused := false
			for _, f := range p.Judge(r, Env{Profile: "client", Validity: day, Issuer: ca}).Failures() {
				refused = refused || f.Rule == "nameConstraints"
			}
			if refused != (verr != nil) {
				t.Errorf("Judge refused=%v, x509 Verify error=%v", refused, verr)
			}
			verdicts[verr != nil]++
		})
	}
	if verdicts[true] == 0 || verdicts[false] == 0 {
		t.Errorf("the names should include both permitted and refused ones: %v", verdicts)
	}
}

func TestJudgementOrderAndErrors(t *testing.T) {
	p := mustPolicy(t, specPolicy)
	r := baseRequest()
	r.Subject = append(r.Subject, rdn(oidOU, "Sales"), rdn(oidSerial, "1"))
	r.DNSNames = append(r.DNSNames, "x_y.example.com")
	env := serverEnv()
	env.Validity = 1000 * day
	j1, j2 := p.Judge(r, env), p.Judge(r, env)
	if !reflect.DeepEqual(j1, j2) {
		t.Error("two judgements of one request differ")
	}
	f := j1.Failures()
	if len(f) != 4 {
		t.Fatalf("failures %v", failures(j1))
	}
	err := j1.Err()
	var re *RefusalError
	if !errors.As(err, &re) || len(re.Errors) != 4 {
		t.Fatalf("Err() = %#v", err)
	}
	var pe *PolicyError
	if !errors.As(err, &pe) || pe != re.Errors[0] {
		t.Fatalf("errors.As found %v, want the first", pe)
	}
	want := `csr: subject OU "Sales" breaks rule "allow" of the policy: not one of Devices, Servers`
	if pe.Error() != want {
		t.Errorf("message\n%s\nwant\n%s", pe.Error(), want)
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != 4 || lines[0] != want {
		t.Errorf("RefusalError message %q", err)
	}
	for _, c := range j1.Checks {
		if c.Field == "" || c.Rule == "" {
			t.Errorf("check without field or rule: %+v", c)
		}
		if !c.Pass && c.Reason == "" {
			t.Errorf("failure without reason: %+v", c)
		}
	}
	// Stable order: subject checks first, then SANs, profile, key, validity.
	last := j1.Checks[len(j1.Checks)-1]
	if last.Field != "validity" || !strings.HasPrefix(j1.Checks[0].Field, "subject ") {
		t.Errorf("order: first %+v, last %+v", j1.Checks[0], last)
	}

	missing := &PolicyError{Field: "subject CN", Rule: "supplied", Reason: "missing"}
	if got := missing.Error(); got != `csr: subject CN breaks rule "supplied" of the policy: missing` {
		t.Errorf("empty-value message %q", got)
	}
}

func TestJudgeNeverPanics(t *testing.T) {
	var nilPolicy *Policy
	if nilPolicy.Judge(Request{}, Env{}).Err() == nil {
		t.Error("nil policy passed a request")
	}
	p := DefaultPolicy(pkix.Name{Country: []string{"DE"}})
	odd := []Request{
		{},
		{Subject: pkix.RDNSequence{{}, {{Type: nil, Value: nil}}}},
		{URIs: []*url.URL{nil, {}}, IPAddresses: []net.IP{nil, {}}, DNSNames: []string{"", "."}},
		{Extensions: []pkix.Extension{{}, {Id: oidExtSAN}, {Id: oidExtKeyUsage}, {Id: oidExtExtKeyUsage}, {Id: oidExtBasicConstraints, Value: []byte{0x30, 0x80}}}},
		{PublicKey: &rsa.PublicKey{N: big.NewInt(-5)}},
	}
	envs := []Env{{}, {Issuer: &x509.Certificate{PermittedIPRanges: []*net.IPNet{nil, {}}}, IssuerKeys: []crypto.PublicKey{nil, &rsa.PublicKey{}}}}
	for i, r := range odd {
		for _, env := range envs {
			if p.Judge(r, env).Err() == nil {
				t.Errorf("odd request %d passed", i)
			}
			_ = p.Subject(r)
		}
	}
}
