package store

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// Policies: recorded with the issuer, replaced by SetPolicy (audited
// policy-set), adopted only when none is recorded (audited policy-adopt),
// kept across a reopen; unknown issuers are ErrNotFound, nothing audited.
func testPolicies(t *testing.T, s *suite) {
	first := []byte(`{"subject":{"CN":"supplied"}}`)
	c := s.cert(1, "root", "root", time.Now().Add(time.Hour))
	c.Profile = ca.ProfileRoot.Name()
	if err := s.st.AddIssuer(s.ctx, ca.IssuerRecord{Name: "root", Serial: c.Serial, DER: c.DER, Policy: first}, c); err != nil {
		t.Fatal(err)
	}
	s.issuer("sub", "root", 2)
	if got, err := s.st.Policy(s.ctx, "root"); err != nil || !bytes.Equal(got, first) {
		t.Errorf("root's policy: %q, %v", got, err)
	}
	if got, err := s.st.Policy(s.ctx, "sub"); err != nil || got != nil {
		t.Errorf("sub's policy: %q, %v; want none", got, err)
	}
	before := len(s.audit())
	adopted := []byte(`{"subject":{"CN":"optional"}}`)
	if err := s.st.SetPolicy(s.ctx, "sub", adopted, true); err != nil {
		t.Fatal(err)
	}
	if err := s.st.SetPolicy(s.ctx, "sub", first, true); !errors.Is(err, ca.ErrExists) {
		t.Errorf("adopting over a recorded policy: %v, want ErrExists", err)
	}
	changed := []byte(`{"subject":{"CN":"forbidden"}}`)
	if err := s.st.SetPolicy(s.ctx, "root", changed, false); err != nil {
		t.Fatal(err)
	}
	recs := s.audit()
	if len(recs) != before+2 || recs[before].Action != "policy-adopt" || recs[before].Issuer != "sub" ||
		recs[before+1].Action != "policy-set" || recs[before+1].Issuer != "root" {
		t.Errorf("audit after SetPolicy: %+v", recs[before:])
	}
	for _, err := range []error{s.st.SetPolicy(s.ctx, "nosuch", changed, false), func() error { _, err := s.st.Policy(s.ctx, "nosuch"); return err }()} {
		if !errors.Is(err, ca.ErrNotFound) {
			t.Errorf("unknown issuer: %v, want ErrNotFound", err)
		}
	}
	if err := s.st.SetPolicy(s.ctx, "root", nil, false); !errors.Is(err, ca.ErrUsage) {
		t.Errorf("an empty policy: %v, want ErrUsage", err)
	}
	if len(s.audit()) != before+2 {
		t.Error("a refused change was audited")
	}
	if err := s.st.Close(); err != nil {
		t.Fatal(err)
	}
	s.st = s.open(t, s.dir)
	for name, want := range map[string][]byte{"root": changed, "sub": adopted} {
		if got, err := s.st.Policy(s.ctx, name); err != nil || !bytes.Equal(got, want) {
			t.Errorf("after reopening, %s's policy: %q, %v; want %q", name, got, err, want)
		}
	}
	// only damage records what is no policy; the check names it
	if err := s.st.SetPolicy(s.ctx, "sub", []byte(`{"subject":{"CN":"sometimes"}}`), false); err != nil {
		t.Fatal(err)
	}
	if p := s.st.(checker).Check(); len(p) != 1 || !strings.Contains(p[0].Error(), `issuer sub: the recorded policy is damaged: csr: policy.json line 1: rule "sometimes" for CN is not one of`) {
		t.Errorf("check of a store holding a damaged policy: %v", p)
	}
	if err := s.st.SetPolicy(s.ctx, "sub", adopted, false); err != nil {
		t.Fatal(err)
	}
}

// A PostgreSQL store of schema version 4 (before policies were recorded)
// is refused until "ca store upgrade"; upgraded, it keeps its issuers and
// holds no policy, which the first signing command then adopts.
func TestPostgresUpgradeToPolicies(t *testing.T) {
	u := pgSchemaURL(t, t.Name())
	st, err := OpenPostgres(u, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	s := &suite{t: t, st: st, ctx: context.Background()}
	s.issuer("root", "", 1)
	if _, err := st.pool.Exec(s.ctx, "DROP TABLE issuer_policies; DELETE FROM schema_version WHERE version = 5"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := OpenPostgres(u, Options{}); !errors.Is(err, ErrSchema) {
		t.Fatalf("open a version 4 store: %v, want ErrSchema", err)
	}
	if err := UpgradePostgres(u, Options{}); err != nil {
		t.Fatal(err)
	}
	st, err = OpenPostgres(u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if p, err := st.Policy(s.ctx, "root"); err != nil || p != nil {
		t.Fatalf("policy after the upgrade: %q, %v; want none", p, err)
	}
	if err := st.SetPolicy(s.ctx, "root", []byte(`{"subject":{"CN":"supplied"}}`), true); err != nil {
		t.Fatal(err)
	}
	if p, err := st.Policy(s.ctx, "root"); err != nil || p == nil {
		t.Fatalf("policy after adopting: %q, %v", p, err)
	}
}
