package csr

import (
	"crypto/rand"
	"crypto/x509"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"

	zx509 "github.com/zmap/zcrypto/x509"
	"github.com/zmap/zlint/v3/lint"
	"github.com/zmap/zlint/v3/util"

	"github.com/ca-toolkit/ca/internal/linttest"
)

func TestJudgeURIHost(t *testing.T) {
	anyURI := anyURIPolicy
	uri := func(s string) func(*testing.T, *Request, *Env) {
		return func(t *testing.T, r *Request, _ *Env) { r.URIs = append(r.URIs, mustURL(t, s)) }
	}
	hostFails := []string{"san uri/uriHost"}
	runJudgeCases(t, []judgeCase{
		{name: "single label", policy: anyURI, mutate: uri("spiffe://x/y"), want: hostFails},
		{name: "single longer label", policy: anyURI, mutate: uri("spiffe://example/wl"), want: hostFails},
		{name: "single label with port", policy: anyURI, mutate: uri("spiffe://x:8443/y"), want: hostFails},
		{name: "empty port", policy: anyURI, mutate: uri("spiffe://example.com:/wl"), want: hostFails},
		{name: "port of six digits", policy: anyURI, mutate: uri("spiffe://example.com:123456/wl"), want: hostFails},
		{name: "file URI without host", policy: anyURI, mutate: uri("file:///etc/passwd"), want: hostFails},
		{name: "path without authority", policy: anyURI, mutate: uri("spiffe:/wl"), want: hostFails},
		{name: "empty authority", policy: anyURI, mutate: uri("spiffe:///wl"), want: hostFails},
		{name: "single-letter labels", policy: anyURI, mutate: uri("spiffe://a.b.c/wl"), want: hostFails},
		{name: "IPv6 with zone", policy: anyURI, mutate: uri("https://[fe80::1%25eth0]/x"), want: hostFails},
		{name: "fqdn", policy: anyURI, mutate: uri("spiffe://example.com/wl")},
		{name: "fqdn with port", policy: anyURI, mutate: uri("spiffe://prod.example.com:8443/ns/web")},
		{name: "IPv4", policy: anyURI, mutate: uri("https://10.0.0.1/x")},
		{name: "IPv6", policy: anyURI, mutate: uri("https://[2001:db8::1]:443/x")},
		{name: "urn has no authority", policy: anyURI, mutate: uri("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6")},
		{name: "mailto has no authority", policy: anyURI, mutate: uri("mailto:ops@example.com")},
		{name: "in policy but no FQDN", policy: policyWith(`"spiffe://example.com/*"`, `"spiffe://x/*"`), mutate: uri("spiffe://x/y"), want: hostFails},
	})
}

// zlintURIHost is zlint's e_ext_san_uri_host_not_fqdn_or_ip on one URI SAN:
// true when it flags it.
func zlintURIHost(t *testing.T, uri string) bool {
	t.Helper()
	l := lint.GlobalRegistry().CertificateLints().ByName("e_ext_san_uri_host_not_fqdn_or_ip")
	if l == nil {
		t.Fatal("zlint has no e_ext_san_uri_host_not_fqdn_or_ip")
	}
	r := l.Lint().Execute(&zx509.Certificate{URIs: []string{uri}})
	return r.Status == lint.Error || r.Status == lint.Fatal
}

// uriCorpus is URIs around the edges of the lint: hosts made of up to
// depth short labels (single letters, digits, hyphens, A-labels), with and
// without ports, IP literals, and URIs without an authority.
func uriCorpus(depth int) []string {
	labels := []string{"a", "x", "1", "ab", "a1", "1a", "12", "a-b", "a-1", "1-a", "www", "com", "abc", "xn--bcher-kva", "ex--ample", "a_b", "-a", "A"}
	var hosts []string
	var rec func(prefix string, depth int)
	rec = func(prefix string, depth int) {
		if prefix != "" {
			hosts = append(hosts, prefix)
		}
		if depth == 0 {
			return
		}
		for _, l := range labels {
			if prefix == "" {
				rec(l, depth-1)
			} else {
				rec(prefix+"."+l, depth-1)
			}
		}
	}
	rec("", depth)
	hosts = append(hosts, "localhost", "example.com.", "10.0.0.1", "0.0.0.0", "255.255.255.255", "224.0.0.1", "127.1", "1.2.3.4.5",
		"[::1]", "[2001:db8::1]", "[::ffff:10.0.0.1]", "[fe80::1%25eth0]", "*.example.com", "?.example.com", "user@example.com")
	var out []string
	for _, h := range hosts {
		for _, port := range []string{"", ":", ":8443", ":65535", ":99999", ":123456"} {
			out = append(out, "spiffe://"+h+port+"/wl")
		}
	}
	return append(out, "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "urn:example:one", "mailto:ops@example.com",
		"file:///etc/passwd", "spiffe:/wl", "spiffe:///wl", "spiffe:", "spiffe:?q", "spiffe://", "https://example.com",
		"https://example.com?q", "https://example.com#f", "https://user:pw@example.com/x")
}

// anyURIPolicy is the spec's policy with "any" for URIs.
var anyURIPolicy = policyWith(`"uri":   {"allow": ["spiffe://example.com/*"]}`, `"uri": "any"`)

// uriFailures judges the spec's request with u as its URI SAN and returns
// the failed checks of the URI.
func uriFailures(p *Policy, u *url.URL) []Check {
	r := baseRequest()
	r.URIs = []*url.URL{u}
	var failed []Check
	for _, c := range p.Judge(r, serverEnv()).Failures() {
		if c.Field == "san uri" {
			failed = append(failed, c)
		}
	}
	return failed
}

// TestURIHostAgreesWithZlint: the judge refuses every URI SAN zlint's
// e_ext_san_uri_host_not_fqdn_or_ip flags, and of the URIs its other rules
// take, it refuses no more than the lint does but single-label hosts with
// a port (no FQDN, which the lint misses).
func TestURIHostAgreesWithZlint(t *testing.T) {
	p := mustPolicy(t, anyURIPolicy)
	refusedOnly := 0
	for _, s := range uriCorpus(3) {
		u, err := url.Parse(s)
		if err != nil {
			continue // not a URI a request can carry
		}
		value := u.String()
		failed := uriFailures(p, u)
		flagged := zlintURIHost(t, value)
		switch {
		case flagged && len(failed) == 0:
			t.Errorf("%s: zlint flags it, the judge takes it", value)
		case !flagged && len(failed) > 0 && failed[0].Rule == "uriHost":
			if h := u.Hostname(); strings.Contains(h, ".") || u.Port() == "" {
				t.Errorf("%s: zlint takes it, the judge refuses it: %s", value, failed[0].Reason)
			}
			refusedOnly++
		}
		if u.Opaque == "" && u.Host != "" {
			if got, want := lintFQDNOrIP(u.Host), util.IsFQDNOrIP(u.Host); got != want {
				t.Errorf("lintFQDNOrIP(%q) = %v, zlint's util.IsFQDNOrIP %v", u.Host, got, want)
			}
		}
	}
	if refusedOnly == 0 {
		t.Error("no single-label host with a port in the corpus")
	}
}

// TestURIHostLintsClean signs a certificate for each URI of a smaller
// corpus that the judge takes, and lints it.
func TestURIHostLintsClean(t *testing.T) {
	if testing.Short() {
		t.Skip("signs a certificate per URI")
	}
	p := mustPolicy(t, anyURIPolicy)
	key := testP256()
	n := 0
	for _, s := range uriCorpus(2) {
		u, err := url.Parse(s)
		if err != nil || len(uriFailures(p, u)) > 0 {
			continue
		}
		tmpl := &x509.Certificate{
			SerialNumber:   big.NewInt(int64(n + 2)),
			NotBefore:      time.Now().Add(-time.Minute),
			NotAfter:       time.Now().Add(time.Hour),
			URIs:           []*url.URL{u},
			KeyUsage:       x509.KeyUsageDigitalSignature,
			ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
			SubjectKeyId:   []byte{1, 2, 3, 4},
			AuthorityKeyId: testIssuerCert().SubjectKeyId,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, testIssuerCert(), key.Public(), testIssuer())
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		problems, err := linttest.CheckCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) > 0 {
			t.Errorf("%s: the judge takes it, zlint says %v", s, problems)
		}
		n++
	}
	if n < 100 {
		t.Errorf("only %d URIs of the corpus signed", n)
	}
}
