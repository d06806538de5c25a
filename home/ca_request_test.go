package home_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// caRequest is a request that checks clean, changed by change.
func caRequest(change func(*home.CARequest)) home.CARequest {
	r := home.CARequest{Name: "issuing", KeyType: "ecdsa-p384", Validity: "1d", PathLen: 0, DN: home.DN{CN: "Issuing"}}
	if change != nil {
		change(&r)
	}
	return r
}

func TestCARequestNewCA(t *testing.T) {
	policy := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(policy, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(*home.CARequest)
		want   string
		is     error
	}{
		{"bad key type", func(r *home.CARequest) { r.KeyType = "dsa" }, "dsa", pem.ErrUnknownKeyType},
		{"empty validity", func(r *home.CARequest) { r.Validity = "" }, "--validity: ", csr.ErrBadDuration},
		{"bad name", func(r *home.CARequest) { r.Name = ".hidden" }, "issuer name", ca.ErrUsage},
		{"control character", func(r *home.CARequest) { r.DN.CN = "a\tb" }, `--cn "a\tb" contains a control character`, ca.ErrUsage},
		{"bad country", func(r *home.CARequest) { r.DN.Country = "Germany" }, `--country "Germany"`, ca.ErrUsage},
		// the order of the checks: the key type, validity and name before
		// the subject, the subject before the URLs
		{"key type first", func(r *home.CARequest) { r.KeyType, r.DN.CN = "dsa", "a\tb" }, "dsa", pem.ErrUnknownKeyType},
		{"name first", func(r *home.CARequest) { r.Name, r.DN.CN = ".hidden", "a\tb" }, "issuer name", ca.ErrUsage},
		{"subject first", func(r *home.CARequest) { r.DN.CN, r.URLs.CRL = "a\tb", "ftp://x/crl" }, "--cn", ca.ErrUsage},
		{"bad URL", func(r *home.CARequest) { r.URLs.CRL = "ftp://x/crl" }, "", ca.ErrUsage},
		{"missing policy", func(r *home.CARequest) { r.PolicyFile = filepath.Join(t.TempDir(), "none.json") }, "none.json", nil},
		{"bad policy", func(r *home.CARequest) { r.PolicyFile = policy }, "", nil},
		{"wildcard subtree", func(r *home.CARequest) { r.PermitDNS = []string{"*.example.com"} }, `--permit-dns "*.example.com"`, ca.ErrUsage},
		{"bad excluded subtree", func(r *home.CARequest) { r.ExcludeDNS = []string{"a..b"} }, `--exclude-dns "a..b"`, ca.ErrUsage},
		{"bad range", func(r *home.CARequest) { r.ExcludeIP = []string{"10.0.0.0"} }, `--exclude-ip "10.0.0.0" is not a CIDR range such as 10.0.0.0/8`, ca.ErrUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := caRequest(tc.change).NewCA()
			if err == nil || !strings.Contains(err.Error(), tc.want) || tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("%v; want an error saying %q matching %v", err, tc.want, tc.is)
			}
		})
	}
	req, err := caRequest(func(r *home.CARequest) {
		r.PermitDNS, r.PermitIP, r.PermitEmail = []string{".example.com"}, []string{"10.0.0.0/8"}, []string{"example.com"}
		r.URLs.CRL = "http://pki.example.com/{issuer}.crl"
	}).NewCA()
	if err != nil {
		t.Fatal(err)
	}
	tm := req.Template
	if req.Name != "issuing" || req.KeyType != pem.ECDSAP384 || tm.Validity != 24*time.Hour || tm.MaxPathLen != 0 || req.Policy != nil ||
		len(tm.PermittedDNSDomains) != 1 || tm.PermittedIPRanges[0].String() != "10.0.0.0/8" || tm.PermittedEmailAddresses[0] != "example.com" ||
		tm.URLs.CRL == "" || tm.Subject.CommonName != "Issuing" {
		t.Errorf("NewCA: %+v", req)
	}
}
