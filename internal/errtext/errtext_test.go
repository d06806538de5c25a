package errtext_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/internal/errtext"
	"github.com/ca-toolkit/ca/pkg/csr"
)

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain text stays", "issuer root is not recorded", "issuer root is not recorded"},
		{"a leading prefix goes", "csr: subject CN is empty", "subject CN is empty"},
		{"prefixes down a chain go", "web.csr: csr: pem: no PEM block", "web.csr: no PEM block"},
		{"after a parenthesis", "the DER does not parse (x509: malformed tbs certificate)", "the DER does not parse (malformed tbs certificate)"},
		{"in a list", "a: store: one; ca: two, and home: three", "a: one; two, and three"},
		{"a word ending in a prefix stays", "bca: x", "bca: x"},
		{"a prefix on a later line goes (errors.Join)", "csr: san dns \"x y\" breaks rule \"hostname\"\ncsr: subject CN \"a\" breaks rule \"cnInSAN\"", "san dns \"x y\" breaks rule \"hostname\"\nsubject CN \"a\" breaks rule \"cnInSAN\""},
		{"the spool's prefix goes", "spool: list: temporary file: open /tmp/ca-list-1: no space left on device", "list: temporary file: open /tmp/ca-list-1: no space left on device"},
		{"asn1 syntax errors", "web.csr: asn1: syntax error: data truncated", "web.csr: does not parse as DER: data truncated"},
		{"not PEM and not DER", "web.csr: not PEM and not DER: not ASN.1 DER: asn1: structure error: tags don't match; give a CSR",
			"web.csr: not PEM and it does not parse as DER either (tags don't match); give a CSR"},
		{"other asn1 text", "asn1: cannot marshal", "DER: cannot marshal"},
		{"sentinel words after a prefix", "store: locked: the store is in use", "the store is in use"},
		{"sentinel words of pem", "pem: malformed input: no key", "no key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := errtext.Render(tc.in); got != tc.want {
				t.Errorf("Render(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestHint(t *testing.T) {
	policy := &csr.PolicyError{Field: "subject OU", Rule: "allow", Value: "Sales", Reason: "not one of Devices"}
	fixed := &csr.PolicyError{Field: "key", Rule: "minSize", Value: "RSA 1024", Reason: "too small"}
	for _, tc := range []struct {
		name string
		err  error
		hint bool
	}{
		{"a policy rule", policy, true},
		{"a policy rule, wrapped", fmt.Errorf("web.csr: %w", policy), true},
		{"a refusal naming a policy rule", &csr.RefusalError{Errors: []*csr.PolicyError{fixed, policy}}, true},
		{"a fixed rule", fixed, false},
		{"a refusal of fixed rules only", &csr.RefusalError{Errors: []*csr.PolicyError{fixed}}, false},
		{"any other error", errors.New("csr: bad"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := errtext.Hint(tc.err)
			if got := strings.Contains(h, "ca policy set FILE"); got != tc.hint {
				t.Errorf("Hint(%v) = %q; want a hint: %v", tc.err, h, tc.hint)
			}
			if m := errtext.Message(tc.err); m != errtext.Render(tc.err.Error())+h {
				t.Errorf("Message = %q, want Render then Hint", m)
			}
		})
	}
}
