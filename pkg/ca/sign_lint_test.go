package ca_test

import (
	"context"
	"crypto/x509/pkix"
	"encoding/asn1"
	"net/url"
	"slices"
	"testing"

	"github.com/ca-toolkit/ca/internal/linttest"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// TestSignURIHostLintClean: a URI SAN with an authority must name a fully
// qualified domain name or an IP address as its host (RFC 5280, 4.2.1.6;
// zlint e_ext_san_uri_host_not_fqdn_or_ip). What the lint flags is refused;
// what is signed lints clean.
func TestSignURIHostLintClean(t *testing.T) {
	st := openStore(t)
	root := newRoot(t, st, pem.ECDSAP256)
	for _, c := range []struct {
		uri     string
		refused bool
	}{
		{"spiffe://x/y", true},
		{"spiffe://example/wl", true},
		{"spiffe://localhost/wl", true},
		{"file:///etc/passwd", true},
		{"spiffe:/wl", true},
		{"spiffe://example.com:/wl", true},
		{"spiffe://x:8443/wl", true}, // a single label is no FQDN, port or not (the lint misses this one)
		{"spiffe://example.com/wl", false},
		{"spiffe://prod.example.com:8443/ns/web", false},
		{"https://10.0.0.1/x", false},
		{"https://[2001:db8::1]/x", false},
		{"urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6", false},
		{"mailto:ops@example.com", false},
	} {
		t.Run(c.uri, func(t *testing.T) {
			req := request(t, pem.ECDSAP256, "u2")
			u, err := url.Parse(c.uri)
			if err != nil {
				t.Fatal(err)
			}
			req.URIs = []*url.URL{u}
			issued, err := root.Issue(context.Background(), req, ca.SignOptions{Profile: ca.ProfileClient})
			if c.refused {
				if !refusedBy(err, "san uri", "uriHost") {
					t.Fatalf("got %v, want a san uri/uriHost refusal", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			linttest.Certificate(t, issued.Cert.Raw)
		})
	}
}

var (
	oidEmailAddress    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
	oidDomainComponent = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}
)

// subjectTags returns the universal tag of each attribute value of a
// DER subject, by dotted OID.
func subjectTags(t *testing.T, raw []byte) map[string][]int {
	t.Helper()
	var rdns []asn1.RawValue
	if _, err := asn1.Unmarshal(raw, &rdns); err != nil {
		t.Fatal(err)
	}
	out := map[string][]int{}
	for _, rdn := range rdns {
		var atvs []struct {
			Type  asn1.ObjectIdentifier
			Value asn1.RawValue
		}
		if _, err := asn1.UnmarshalWithParams(rdn.FullBytes, &atvs, "set"); err != nil {
			t.Fatal(err)
		}
		for _, atv := range atvs {
			out[atv.Type.String()] = append(out[atv.Type.String()], atv.Value.Tag)
		}
	}
	return out
}

// TestSignSubjectEmailAndDCLintClean: a subject emailAddress must also be
// an email SAN (zlint e_subj_email_not_in_san), and emailAddress and
// domainComponent (given once: SPEC.md refuses a type twice) are encoded
// as IA5Strings (RFC 5280, Appendix A; RFC 4519; for DC zlint
// e_subject_rdns_correct_encoding, a Baseline Requirements lint that looks
// only at serverAuth certificates, hence the device profile).
func TestSignSubjectEmailAndDCLintClean(t *testing.T) {
	st := openStore(t)
	root := newRoot(t, st, pem.ECDSAP256)
	policy, err := csr.ParsePolicy([]byte(`{
		"subject": {"C": "optional", "O": "optional", "CN": "supplied", "emailAddress": "optional", "0.9.2342.19200300.100.1.25": "optional"},
		"san": {"email": "any", "dns": "any"}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	iss := subIssuer(t, root, st, "mail", ca.Template{}, policy)
	mk := func(email string, sans ...string) csr.Request {
		req := request(t, pem.ECDSAP256, "alice.example.com", "alice.example.com")
		req.Subject = append(pkix.RDNSequence{
			{{Type: oidDomainComponent, Value: "example"}},
		}, req.Subject...)
		req.Subject = append(req.Subject, pkix.RelativeDistinguishedNameSET{{Type: oidEmailAddress, Value: email}})
		req.EmailAddresses = sans
		return req
	}

	_, err = iss.Issue(context.Background(), mk("alice@example.com"), ca.SignOptions{Profile: ca.ProfileDevice})
	if !refusedBy(err, "subject emailAddress", "emailInSAN") {
		t.Fatalf("subject emailAddress without email SAN: got %v, want a subject emailAddress/emailInSAN refusal", err)
	}
	_, err = iss.Issue(context.Background(), mk("alice@example.com", "bob@example.com"), ca.SignOptions{Profile: ca.ProfileDevice})
	if !refusedBy(err, "subject emailAddress", "emailInSAN") {
		t.Fatalf("subject emailAddress not among the email SANs: got %v, want a subject emailAddress/emailInSAN refusal", err)
	}

	issued, err := iss.Issue(context.Background(), mk("alice@example.com", "bob@example.com", "alice@example.com"), ca.SignOptions{Profile: ca.ProfileDevice})
	if err != nil {
		t.Fatal(err)
	}
	linttest.Certificate(t, issued.Cert.Raw)
	tags := subjectTags(t, issued.Cert.RawSubject)
	for _, oid := range []asn1.ObjectIdentifier{oidEmailAddress, oidDomainComponent} {
		got := tags[oid.String()]
		if len(got) == 0 {
			t.Errorf("%s missing from the subject %s", oid, issued.Cert.Subject)
		}
		for _, tag := range got {
			if tag != asn1.TagIA5String {
				t.Errorf("%s encoded with tag %d, want IA5String (%d)", oid, tag, asn1.TagIA5String)
			}
		}
	}
	// The values read back as they were asked for.
	want := map[string][]string{oidDomainComponent.String(): {"example"}, oidEmailAddress.String(): {"alice@example.com"}}
	got := map[string][]string{}
	for _, atv := range issued.Cert.Subject.Names {
		if s, ok := atv.Value.(string); ok {
			got[atv.Type.String()] = append(got[atv.Type.String()], s)
		}
	}
	for oid, w := range want {
		if !slices.Equal(got[oid], w) {
			t.Errorf("%s = %q, want %q", oid, got[oid], w)
		}
	}
}
