package ca_test

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/internal/linttest"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// subIssuer makes an intermediate called name under parent, with the name
// constraints of cfg, and opens it with its chain.
func subIssuer(t *testing.T, parent *ca.Issuer, st ca.Store, name string, cfg ca.Template, policy *csr.Policy) *ca.Issuer {
	t.Helper()
	key, err := pem.GenerateKey(pem.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Validity = 5 * 365 * 24 * time.Hour
	cfg.MaxPathLen = -1
	cfg.Subject = pkix.Name{CommonName: "Issuer " + name, Organization: []string{"Example"}, Country: []string{"DE"}}
	issued, err := parent.CreateIntermediate(context.Background(), name, cfg, key.Public())
	if err != nil {
		t.Fatal(err)
	}
	iss, err := ca.NewIssuer(ca.IssuerConfig{Name: name, Cert: issued.Cert, Chain: parent.Chain(), Signer: key, Store: st,
		Now: func() time.Time { return now }, Policy: policy})
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

// refusedBy reports whether err is a refusal with a failed check of rule
// on field.
func refusedBy(err error, field, rule string) bool {
	var re *csr.RefusalError
	if !errors.Is(err, ca.ErrRefused) || !errors.As(err, &re) {
		return false
	}
	for _, pe := range re.Errors {
		if pe.Field == field && pe.Rule == rule {
			return true
		}
	}
	return false
}

// TestSignEnforcesAncestorConstraints: root -> a (permitted DNS
// example.com) -> b; b must not issue names outside a's constraints.
func TestSignEnforcesAncestorConstraints(t *testing.T) {
	st := openStore(t)
	root := newRoot(t, st, pem.ECDSAP256)
	a := subIssuer(t, root, st, "a", ca.Template{PermittedDNSDomains: []string{"example.com"}}, nil)
	b := subIssuer(t, a, st, "b", ca.Template{}, nil)
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(root.Certificate())
	inters.AddCert(a.Certificate())
	inters.AddCert(b.Certificate())

	_, err := b.Issue(context.Background(), request(t, pem.ECDSAP256, "www.other.com", "www.other.com"), ca.SignOptions{Profile: ca.ProfileServer})
	if !refusedBy(err, "san dns", "nameConstraints") {
		t.Fatalf("www.other.com under b: got %v, want a nameConstraints refusal", err)
	}
	if !strings.Contains(err.Error(), `"Issuer a"`) {
		t.Errorf("the refusal does not name the CA whose constraint is broken: %v", err)
	}
	// A client certificate without SANs: its hostname-like CN is checked too.
	_, err = b.Issue(context.Background(), request(t, pem.ECDSAP256, "www.other.com"), ca.SignOptions{Profile: ca.ProfileClient})
	if !refusedBy(err, "subject CN", "nameConstraints") {
		t.Fatalf("client CN www.other.com under b: got %v, want a nameConstraints refusal", err)
	}

	issued, err := b.Issue(context.Background(), request(t, pem.ECDSAP256, "www.example.com", "www.example.com"), ca.SignOptions{Profile: ca.ProfileServer})
	if err != nil {
		t.Fatal(err)
	}
	linttest.Certificate(t, issued.Cert.Raw)
	if _, err := issued.Cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, CurrentTime: now}); err != nil {
		t.Fatal(err)
	}
}

// TestSignIPv4MappedExcluded: an IPv4-mapped IPv6 SAN is written as its
// IPv4 address, so an excluded IPv4 range refuses it.
func TestSignIPv4MappedExcluded(t *testing.T) {
	st := openStore(t)
	root := newRoot(t, st, pem.ECDSAP256)
	iss := subIssuer(t, root, st, "ipc", ca.Template{ExcludedIPRanges: []*net.IPNet{{IP: net.IPv4(10, 0, 0, 0).To4(), Mask: net.CIDRMask(8, 32)}}}, nil)
	req := request(t, pem.ECDSAP256, "client")
	req.IPAddresses = []net.IP{net.ParseIP("::ffff:10.0.0.1")}
	_, err := iss.Issue(context.Background(), req, ca.SignOptions{Profile: ca.ProfileClient})
	if !refusedBy(err, "san ip", "nameConstraints") {
		t.Fatalf("::ffff:10.0.0.1 under --exclude-ip 10.0.0.0/8: got %v, want a nameConstraints refusal", err)
	}
}

// TestSignRefusesEmptySubjectWithoutSAN: RFC 5280, 4.1.2.6 (zlint
// e_subject_empty_without_san).
func TestSignRefusesEmptySubjectWithoutSAN(t *testing.T) {
	st := openStore(t)
	root := newRoot(t, st, pem.ECDSAP256)
	policy, err := csr.ParsePolicy([]byte(`{"subject": {"CN": "optional"}, "unlisted": "drop", "san": {"dns": "any"}}`))
	if err != nil {
		t.Fatal(err)
	}
	iss := subIssuer(t, root, st, "open", ca.Template{}, policy)
	req := request(t, pem.ECDSAP256, "")
	req.Subject = pkix.Name{OrganizationalUnit: []string{"Dropped"}}.ToRDNSequence()
	_, err = iss.Issue(context.Background(), req, ca.SignOptions{Profile: ca.ProfileClient})
	if !refusedBy(err, "subject", "subjectOrSAN") {
		t.Fatalf("a subject emptied by the policy and no SAN: got %v, want a subjectOrSAN refusal", err)
	}
	// With a SAN the empty subject is fine (and the SAN critical).
	req.DNSNames = []string{"www.example.com"}
	issued, err := iss.Issue(context.Background(), req, ca.SignOptions{Profile: ca.ProfileClient})
	if err != nil {
		t.Fatal(err)
	}
	linttest.Certificate(t, issued.Cert.Raw)
	if len(issued.Cert.Subject.Names) != 0 {
		t.Errorf("subject %q, want it empty", issued.Cert.Subject)
	}
}
