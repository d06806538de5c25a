package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// testIssuerURLs: URLs recorded with an issuer and changed later, each
// change audited, kept across a reopen; an unknown issuer is ErrNotFound
// and changes nothing; Version grows with every change.
func testIssuerURLs(t *testing.T, s *suite) {
	urls := ca.IssuerURLs{CRL: "http://pki.example.com/crl/{issuer}.crl", OCSP: "http://pki.example.com/ocsp"}
	c := s.cert(1, "root", "root", time.Now().Add(time.Hour))
	c.Profile = ca.ProfileRoot.Name()
	if err := s.st.AddIssuer(s.ctx, ca.IssuerRecord{Name: "root", Serial: c.Serial, DER: c.DER, URLs: urls}, c); err != nil {
		t.Fatal(err)
	}
	s.issuer("sub", "root", 2)
	if got, err := s.st.IssuerURLs(s.ctx, "root"); err != nil || got != urls {
		t.Errorf("root's URLs: %+v, %v", got, err)
	}
	if got, err := s.st.IssuerURLs(s.ctx, "sub"); err != nil || !got.IsZero() {
		t.Errorf("sub's URLs: %+v, %v; want none", got, err)
	}
	before := len(s.audit())
	v1 := version(t, s)
	changed := ca.IssuerURLs{CAIssuers: "http://pki.example.com/ca/sub.crt"}
	if err := s.st.SetIssuerURLs(s.ctx, "sub", changed); err != nil {
		t.Fatal(err)
	}
	if v2 := version(t, s); v2 <= v1 {
		t.Errorf("version %d after a change, was %d", v2, v1)
	}
	recs := s.audit()
	if len(recs) != before+1 || recs[len(recs)-1].Action != "issuer-urls" || recs[len(recs)-1].Issuer != "sub" {
		t.Errorf("audit after SetIssuerURLs: %+v", recs[len(recs)-1])
	}
	for _, err := range []error{s.st.SetIssuerURLs(s.ctx, "nosuch", changed), func() error { _, err := s.st.IssuerURLs(s.ctx, "nosuch"); return err }()} {
		if !errors.Is(err, ca.ErrNotFound) {
			t.Errorf("unknown issuer: %v, want ErrNotFound", err)
		}
	}
	if len(s.audit()) != before+1 {
		t.Error("a refused change was audited")
	}
	if err := s.st.Close(); err != nil {
		t.Fatal(err)
	}
	s.st = s.open(t, s.dir)
	if got, err := s.st.IssuerURLs(s.ctx, "sub"); err != nil || got != changed {
		t.Errorf("after reopening: %+v, %v", got, err)
	}
	if err := s.st.SetIssuerURLs(s.ctx, "root", ca.IssuerURLs{}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.st.IssuerURLs(s.ctx, "root"); err != nil || !got.IsZero() {
		t.Errorf("root's URLs after removing them: %+v, %v", got, err)
	}
	// only damage records URLs "ca issuer urls" refuses: reading them is
	// ErrCorrupt, and the check names them
	if err := s.st.SetIssuerURLs(s.ctx, "sub", ca.IssuerURLs{OCSP: "xttp://pki.example.com/ocsp"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.st.IssuerURLs(s.ctx, "sub"); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "restore the store from a backup") {
		t.Errorf("damaged URLs: %v, want ErrCorrupt saying to restore", err)
	}
	if p := s.st.(checker).Check(); len(p) != 1 || !strings.Contains(p[0].Error(), `issuer sub: the recorded URLs are damaged: --ocsp-url "xttp://pki.example.com/ocsp" is not an http:// or https:// URL`) {
		t.Errorf("check of a store holding damaged URLs: %v", p)
	}
	if err := s.st.SetIssuerURLs(s.ctx, "sub", changed); err != nil {
		t.Fatal(err)
	}
}

func version(t *testing.T, s *suite) uint64 {
	t.Helper()
	v, ok := s.st.(interface{ Version() (uint64, error) })
	if !ok {
		t.Fatalf("%T has no Version method", s.st)
	}
	n, err := v.Version()
	if err != nil {
		t.Fatal(err)
	}
	return n
}
