package store

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// The conformance suite: every ca.Store implementation passes it (Bolt here,
// Postgres in postgres_test.go). Each test opens a fresh store and ends with
// the implementation's own Check.

// opener opens the store kept in dir, creating it when new; opening the same
// dir again reopens the same store.
type opener func(t *testing.T, dir string) ca.Store

// checker and auditor are what the suite needs beyond ca.Store: every
// implementation checks itself and exposes its audit log.
type checker interface{ Check() []error }
type auditor interface {
	AuditRecords(fn func(*ca.AuditRecord) error) error
}

func TestBoltConformance(t *testing.T) {
	runConformance(t, func(t *testing.T, dir string) ca.Store {
		st, err := Open(filepath.Join(dir, "ca.db"), Options{Create: true, Timeout: 5 * time.Second, Actor: ca.Actor{Command: "ca test", User: "tester"}})
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}

func runConformance(t *testing.T, open opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *suite)
	}{
		{"issuers", testIssuers},
		{"insert if absent", testInsertIfAbsent},
		{"queries", testQueries},
		{"orders", testOrders},
		{"list statuses", testListStatuses},
		{"revoke all or none", testRevoke},
		{"CRL numbers", testCRLNumbers},
		{"audit per change", testAuditPerChange},
		{"reopen", testReopen},
		{"concurrent writers", testConcurrent},
		{"cancelled context", testCancelled},
		{"renewal", testRenewal},
		{"delta CRLs", testDeltaCRLs},
		{"issuer URLs", testIssuerURLs},
		{"policies", testPolicies},
		{"shard CRLs", testShardCRLs},
		{"replace issuer certificate", testReplaceIssuerCert},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := &suite{t: t, open: open, dir: dir, st: open(t, dir), ctx: context.Background()}
			t.Cleanup(func() { s.st.Close() })
			tc.fn(t, s)
			s.check()
		})
	}
}

type suite struct {
	t    testing.TB
	open opener
	dir  string
	st   ca.Store
	ctx  context.Context
}

var (
	keyOnce sync.Once
	testKey *ecdsa.PrivateKey
)

// cert returns the record of a real certificate with this serial.
func (s *suite) cert(serial int64, issuer, cn string, notAfter time.Time) *ca.CertRecord {
	s.t.Helper()
	keyOnce.Do(func() { testKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader) })
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: notAfter.Add(-24 * time.Hour), NotAfter: notAfter, DNSNames: []string{cn + ".example.com"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, testKey.Public(), testKey)
	if err != nil {
		s.t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		s.t.Fatal(err)
	}
	return ca.NewCertRecord(c, issuer, "server")
}

// issuer records an issuer named name (a root when parent is "").
func (s *suite) issuer(name, parent string, serial int64) {
	s.t.Helper()
	c := s.cert(serial, name, name, time.Now().Add(time.Hour))
	c.Profile = ca.ProfileIntermediate.Name()
	if parent == "" {
		c.Profile = ca.ProfileRoot.Name()
		c.Issuer = name
	} else {
		c.Issuer = parent
	}
	if err := s.st.AddIssuer(s.ctx, ca.IssuerRecord{Name: name, Parent: parent, Serial: c.Serial, DER: c.DER}, c); err != nil {
		s.t.Fatalf("AddIssuer %s: %v", name, err)
	}
}

func (s *suite) add(certs ...*ca.CertRecord) []error {
	s.t.Helper()
	errs, err := s.st.AddCertificates(s.ctx, certs)
	if err != nil {
		s.t.Fatalf("AddCertificates: %v", err)
	}
	return errs
}

func (s *suite) check() {
	s.t.Helper()
	c, ok := s.st.(checker)
	if !ok {
		s.t.Fatalf("%T has no Check method", s.st)
	}
	for _, p := range c.Check() {
		s.t.Errorf("check: %v", p)
	}
}

func (s *suite) audit() []ca.AuditRecord {
	s.t.Helper()
	a, ok := s.st.(auditor)
	if !ok {
		s.t.Fatalf("%T has no AuditRecords method", s.st)
	}
	var out []ca.AuditRecord
	if err := a.AuditRecords(func(r *ca.AuditRecord) error { out = append(out, *r); return nil }); err != nil {
		s.t.Fatal(err)
	}
	return out
}

func (s *suite) serials(q ca.Query) []int64 {
	s.t.Helper()
	var out []int64
	if err := s.st.Certificates(s.ctx, q, func(r *ca.CertRecord) error { out = append(out, r.Serial.Int64()); return nil }); err != nil {
		s.t.Fatal(err)
	}
	return out
}

func testIssuers(t *testing.T, s *suite) {
	s.issuer("root", "", 1)
	s.issuer("sub", "root", 2)
	s.issuer("alpha", "root", 3)
	c := s.cert(4, "x", "x", time.Now().Add(time.Hour))
	if err := s.st.AddIssuer(s.ctx, ca.IssuerRecord{Name: "sub", Parent: "root", Serial: c.Serial, DER: c.DER}, c); !errors.Is(err, ca.ErrExists) {
		t.Errorf("a second issuer sub: %v, want ErrExists", err)
	}
	if err := s.st.AddIssuer(s.ctx, ca.IssuerRecord{Name: "orphan", Parent: "nope", Serial: c.Serial, DER: c.DER}, c); !errors.Is(err, ca.ErrNotFound) {
		t.Errorf("an issuer with an unknown parent: %v, want ErrNotFound", err)
	}
	taken := s.cert(2, "root", "taken", time.Now().Add(time.Hour))
	if err := s.st.AddIssuer(s.ctx, ca.IssuerRecord{Name: "taken", Parent: "root", Serial: taken.Serial, DER: taken.DER}, taken); !errors.Is(err, ca.ErrSerialExists) {
		t.Errorf("an issuer with a taken serial: %v, want ErrSerialExists", err)
	}
	if _, err := s.st.Issuer(s.ctx, "taken"); !errors.Is(err, ca.ErrNotFound) {
		t.Errorf("a refused issuer was recorded: %v", err)
	}
	rec, err := s.st.Issuer(s.ctx, "sub")
	if err != nil || rec.Parent != "root" || rec.Serial.Int64() != 2 {
		t.Errorf("Issuer(sub) = %+v, %v", rec, err)
	}
	all, err := s.st.Issuers(s.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range all {
		names = append(names, r.Name)
	}
	if fmt.Sprint(names) != "[root alpha sub]" {
		t.Errorf("Issuers = %v, want roots first, then by name", names)
	}
	if n := len(s.serials(ca.Query{})); n != 3 {
		t.Errorf("%d certificates recorded, want the 3 issuers'", n)
	}
}

func testInsertIfAbsent(t *testing.T, s *suite) {
	s.issuer("root", "", 1)
	soon := time.Now().Add(time.Hour).Truncate(time.Second)
	a := s.cert(10, "root", "a", soon)
	errs := s.add(a, s.cert(1, "root", "dup-of-root", soon), s.cert(11, "root", "b", soon))
	if errs[0] != nil || errs[2] != nil || !errors.Is(errs[1], ca.ErrSerialExists) {
		t.Errorf("errors %v, want nil, ErrSerialExists, nil", errs)
	}
	if errs := s.add(s.cert(10, "root", "again", soon)); !errors.Is(errs[0], ca.ErrSerialExists) {
		t.Errorf("a serial recorded twice: %v", errs[0])
	}
	got, err := s.st.Certificate(s.ctx, big.NewInt(10))
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "CN=a" || got.Issuer != "root" || got.Profile != "server" || !got.NotAfter.Equal(soon) ||
		fmt.Sprint(got.SANs) != "[a.example.com]" || got.Revocation != nil || !bytes.Equal(got.DER, a.DER) {
		t.Errorf("Certificate(10) = %+v", got)
	}
	if _, err := s.st.Certificate(s.ctx, big.NewInt(99)); !errors.Is(err, ca.ErrNotFound) {
		t.Errorf("Certificate(99): %v, want ErrNotFound", err)
	}
	huge := new(big.Int).Lsh(big.NewInt(1), 8*ca.SerialBytes)
	if _, err := s.st.Certificate(s.ctx, huge); !errors.Is(err, ca.ErrNotFound) {
		t.Errorf("Certificate(2^160): %v, want ErrNotFound", err)
	}
}

func testQueries(t *testing.T, s *suite) {
	s.issuer("root", "", 1)
	s.issuer("sub", "root", 2)
	now := time.Now()
	s.add(s.cert(30, "sub", "late", now.Add(72*time.Hour)), s.cert(20, "sub", "Early", now.Add(24*time.Hour)),
		s.cert(25, "root", "middle", now.Add(48*time.Hour)))
	if got := fmt.Sprint(s.serials(ca.Query{Issuer: "sub"})); got != "[20 30]" {
		t.Errorf("issuer sub: %s", got)
	}
	if got := fmt.Sprint(s.serials(ca.Query{Subject: "EARLY"})); got != "[20]" {
		t.Errorf("subject EARLY: %s", got)
	}
	if got := fmt.Sprint(s.serials(ca.Query{Subject: "middle.example"})); got != "[25]" {
		t.Errorf("SAN middle.example: %s", got)
	}
	// The issuers' certificates expire in an hour: first by notAfter.
	if got := fmt.Sprint(s.serials(ca.Query{NotAfterBefore: now.Add(60 * time.Hour)})); got != "[1 2 20 25]" {
		t.Errorf("expiring within 60h, by notAfter: %s", got)
	}
	if got := fmt.Sprint(s.serials(ca.Query{NotAfterBefore: now.Add(60 * time.Hour), Issuer: "sub"})); got != "[20]" {
		t.Errorf("expiring, issuer sub: %s", got)
	}
	if got := fmt.Sprint(s.serials(ca.Query{})); got != "[1 2 20 25 30]" {
		t.Errorf("all, in serial order: %s", got)
	}
	stop := errors.New("stop")
	n := 0
	err := s.st.Certificates(s.ctx, ca.Query{}, func(*ca.CertRecord) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("fn's error does not stop the walk: %v after %d", err, n)
	}
}

// testOrders: Certificates gives every Query.Order, alone and with the
// other fields of Query.
func testOrders(t *testing.T, s *suite) {
	s.issuer("root", "", 1)
	s.issuer("sub", "root", 2)
	now := time.Now()
	mk := func(serial int64, issuer string, notBefore, notAfter time.Duration) *ca.CertRecord {
		c := s.cert(serial, issuer, fmt.Sprint("c", serial), now.Add(notAfter))
		c.NotBefore = now.Add(notBefore)
		return c
	}
	s.add(mk(40, "sub", -time.Hour, 10*time.Hour), mk(41, "root", -3*time.Hour, 30*time.Hour), mk(42, "sub", -2*time.Hour, 20*time.Hour))
	for _, c := range []struct {
		q    ca.Query
		want string
	}{
		{ca.Query{Order: ca.SortSerial}, "[1 2 40 41 42]"},
		{ca.Query{Order: ca.SortNotBefore}, "[1 2 41 42 40]"},
		{ca.Query{Order: ca.SortNotAfter}, "[1 2 40 42 41]"},
		{ca.Query{Order: ca.SortNotBefore, Issuer: "sub"}, "[42 40]"},
		{ca.Query{Order: ca.SortNotAfter, Issuer: "sub"}, "[40 42]"},
		{ca.Query{Order: ca.SortNotBefore, Subject: "C4"}, "[41 42 40]"},
		{ca.Query{NotAfterBefore: now.Add(25 * time.Hour)}, "[1 2 40 42]"},
		{ca.Query{NotAfterBefore: now.Add(25 * time.Hour), Order: ca.SortNotBefore}, "[1 2 42 40]"},
		{ca.Query{NotAfterBefore: now.Add(25 * time.Hour), Order: ca.SortSerial, Issuer: "sub"}, "[40 42]"},
		{ca.Query{NotAfterFrom: now.Add(15 * time.Hour)}, "[42 41]"},
		{ca.Query{NotAfterFrom: now.Add(15 * time.Hour), Order: ca.SortSerial}, "[41 42]"},
		{ca.Query{NotAfterFrom: now.Add(15 * time.Hour), Order: ca.SortNotBefore}, "[41 42]"},
		{ca.Query{NotAfterFrom: now.Add(5 * time.Hour), NotAfterBefore: now.Add(25 * time.Hour), Order: ca.SortNotBefore}, "[42 40]"},
		{ca.Query{NotAfterFrom: now.Add(5 * time.Hour), Order: ca.SortSerial, Issuer: "sub"}, "[40 42]"},
		{ca.Query{NotAfterFrom: now.Add(5 * time.Hour), Order: ca.SortNotBefore, Subject: "C4"}, "[41 42 40]"},
		{ca.Query{Revoked: true}, "[]"},
	} {
		if got := fmt.Sprint(s.serials(c.q)); got != c.want {
			t.Errorf("%+v: %s, want %s", c.q, got, c.want)
		}
	}
	if _, err := s.st.Revoke(s.ctx, []ca.Revocation{{Serial: big.NewInt(41), RevokedAt: now}, {Serial: big.NewInt(40), RevokedAt: now}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q    ca.Query
		want string
	}{
		{ca.Query{Revoked: true}, "[40 41]"},
		{ca.Query{Revoked: true, Order: ca.SortNotBefore}, "[41 40]"},
		{ca.Query{Revoked: true, Order: ca.SortNotAfter}, "[40 41]"},
		{ca.Query{Revoked: true, Issuer: "root"}, "[41]"},
		{ca.Query{Revoked: true, NotAfterBefore: now.Add(25 * time.Hour)}, "[40]"},
		{ca.Query{Revoked: true, Subject: "c41"}, "[41]"},
		{ca.Query{Revoked: true, NotAfterFrom: now.Add(25 * time.Hour)}, "[41]"},
	} {
		if got := fmt.Sprint(s.serials(c.q)); got != c.want {
			t.Errorf("%+v: %s, want %s", c.q, got, c.want)
		}
	}
}

func testRevoke(t *testing.T, s *suite) {
	s.issuer("root", "", 1)
	soon := time.Now().Add(time.Hour).Truncate(time.Second)
	s.add(s.cert(10, "root", "a", soon), s.cert(11, "root", "b", soon), s.cert(12, "root", "c", soon))
	at := time.Now().UTC().Truncate(time.Second)
	rev := func(serials ...int64) ([]ca.Revocation, error) {
		var rs []ca.Revocation
		for _, n := range serials {
			rs = append(rs, ca.Revocation{Serial: big.NewInt(n), RevokedAt: at, Reason: ca.Reason(1)})
		}
		return s.st.Revoke(s.ctx, rs)
	}
	if _, err := rev(10, 99); !errors.Is(err, ca.ErrNotFound) {
		t.Errorf("revoke with an unknown serial: %v, want ErrNotFound", err)
	}
	out, err := rev(12, 10)
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Issuer != "root" || !out[0].NotAfter.Equal(soon) {
		t.Errorf("Revoke did not fill issuer and notAfter: %+v", out[0])
	}
	if _, err := rev(11, 10); !errors.Is(err, ca.ErrAlreadyRevoked) || !errors.Is(err, ca.ErrExists) {
		t.Errorf("revoke twice: %v, want ErrAlreadyRevoked", err)
	}
	var got []int64
	s.st.Revocations(s.ctx, "root", func(r *ca.Revocation) error { got = append(got, r.Serial.Int64()); return nil })
	if fmt.Sprint(got) != "[10 12]" {
		t.Errorf("revocations %v, want [10 12] (11 was in a refused transaction)", got)
	}
	c, err := s.st.Certificate(s.ctx, big.NewInt(12))
	if err != nil || c.Revocation == nil || !c.Revocation.RevokedAt.Equal(at) || c.Revocation.Reason != 1 {
		t.Errorf("Certificate(12).Revocation = %+v, %v", c.Revocation, err)
	}
	if err := s.st.Revocations(s.ctx, "nobody", func(*ca.Revocation) error { t.Error("revocation of an unknown issuer"); return nil }); err != nil {
		t.Error(err)
	}
}

func testCRLNumbers(t *testing.T, s *suite) {
	s.issuer("root", "", 1)
	s.issuer("sub", "root", 2)
	crl := func(issuer string, n int64) error {
		now := time.Now().UTC().Truncate(time.Second)
		return s.st.AddCRL(s.ctx, &ca.CRLRecord{Issuer: issuer, Number: big.NewInt(n), ThisUpdate: now, NextUpdate: now.Add(time.Hour), DER: []byte{0x30, 0}})
	}
	if _, err := s.st.LastCRL(s.ctx, "root"); !errors.Is(err, ca.ErrNotFound) {
		t.Errorf("LastCRL before any: %v", err)
	}
	for _, step := range []struct {
		issuer string
		n      int64
		ok     bool
	}{{"root", 1, true}, {"root", 1, false}, {"root", 3, false}, {"root", 2, true}, {"sub", 1, true}, {"sub", 0, false}} {
		err := crl(step.issuer, step.n)
		if step.ok && err != nil || !step.ok && !errors.Is(err, ca.ErrCRLNumber) {
			t.Errorf("CRL %d of %s: %v", step.n, step.issuer, err)
		}
	}
	last, err := s.st.LastCRL(s.ctx, "root")
	if err != nil || last.Number.Int64() != 2 {
		t.Errorf("LastCRL(root) = %+v, %v", last, err)
	}
}

func testAuditPerChange(t *testing.T, s *suite) {
	s.issuer("root", "", 1)
	soon := time.Now().Add(time.Hour)
	s.add(s.cert(10, "root", "a", soon), s.cert(11, "root", "b", soon))
	s.add(s.cert(10, "root", "dup", soon)) // nothing new: no record
	s.st.Revoke(s.ctx, []ca.Revocation{{Serial: big.NewInt(10), RevokedAt: time.Now()}})
	s.st.Revoke(s.ctx, []ca.Revocation{{Serial: big.NewInt(10), RevokedAt: time.Now()}}) // refused
	s.st.AddCRL(s.ctx, &ca.CRLRecord{Issuer: "root", Number: big.NewInt(1), DER: []byte{0x30, 0}})
	s.st.AddCRL(s.ctx, &ca.CRLRecord{Issuer: "root", Number: big.NewInt(5), DER: []byte{0x30, 0}}) // refused
	recs := s.audit()
	var actions []string
	for _, r := range recs {
		actions = append(actions, r.Action)
	}
	if fmt.Sprint(actions) != "[add-issuer issue revoke crl]" {
		t.Fatalf("audit actions %v, want one per change", actions)
	}
	if fmt.Sprint(recs[1].Serials) != "[0a 0b]" || fmt.Sprint(recs[2].Serials) != "[0a]" {
		t.Errorf("serials touched: %v, %v", recs[1].Serials, recs[2].Serials)
	}
	prev := ""
	for i, r := range recs {
		if r.Seq != uint64(i+1) || r.Prev != prev || r.Hash != r.ComputeHash() || r.User != "tester" || r.Command != "ca test" || r.Result != "ok" {
			t.Errorf("audit record %d: %+v", i+1, r)
		}
		prev = r.Hash
	}
}

func testReopen(t *testing.T, s *suite) {
	s.issuer("root", "", 1)
	s.add(s.cert(10, "root", "a", time.Now().Add(time.Hour)))
	if err := s.st.Close(); err != nil {
		t.Fatal(err)
	}
	s.st = s.open(t, s.dir)
	if _, err := s.st.Certificate(s.ctx, big.NewInt(10)); err != nil {
		t.Errorf("after reopening: %v", err)
	}
	if n := len(s.audit()); n != 2 {
		t.Errorf("%d audit records after reopening, want 2", n)
	}
}

func testConcurrent(t *testing.T, s *suite) {
	s.issuer("root", "", 1)
	const workers, each = 8, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var certs []*ca.CertRecord
			for i := range each {
				certs = append(certs, s.cert(int64(100+w*each+i), "root", fmt.Sprintf("w%d-%d", w, i), time.Now().Add(time.Hour)))
			}
			errs, err := s.st.AddCertificates(s.ctx, certs)
			if err != nil {
				t.Error(err)
				return
			}
			for _, e := range errs {
				if e != nil {
					t.Error(e)
				}
			}
		}()
	}
	wg.Wait()
	if n := len(s.serials(ca.Query{})); n != 1+workers*each {
		t.Errorf("%d certificates, want %d", n, 1+workers*each)
	}
	if n := len(s.audit()); n != 1+workers {
		t.Errorf("%d audit records, want %d", n, 1+workers)
	}
}

func testCancelled(t *testing.T, s *suite) {
	s.issuer("root", "", 1)
	ctx, cancel := context.WithCancel(s.ctx)
	cancel()
	if _, err := s.st.AddCertificates(ctx, []*ca.CertRecord{s.cert(10, "root", "a", time.Now().Add(time.Hour))}); err == nil {
		t.Error("AddCertificates with a cancelled context succeeded")
	}
	if _, err := s.st.Certificate(s.ctx, big.NewInt(10)); !errors.Is(err, ca.ErrNotFound) {
		t.Errorf("a cancelled AddCertificates recorded: %v", err)
	}
}

func testRenewal(t *testing.T, s *suite) {
	s.issuer("root", "", 1)
	soon := time.Now().Add(time.Hour)
	s.add(s.cert(10, "root", "a", soon))
	renew := func(serial, of int64, revoke bool) error {
		c := s.cert(serial, "root", "a", soon)
		c.RenewalOf, c.RevokeRenewed = big.NewInt(of), revoke
		return s.add(c)[0]
	}
	if err := renew(11, 10, false); err != nil {
		t.Fatalf("renew 10: %v", err)
	}
	if old, err := s.st.Certificate(s.ctx, big.NewInt(10)); err != nil || old.RenewedBy == nil || old.RenewedBy.Int64() != 11 || old.Revocation != nil {
		t.Fatalf("renewed record: %+v, %v", old, err)
	}
	if c, err := s.st.Certificate(s.ctx, big.NewInt(11)); err != nil || c.RenewalOf == nil || c.RenewalOf.Int64() != 10 {
		t.Fatalf("renewal record: %+v, %v", c, err)
	}
	if err := renew(12, 10, false); !errors.Is(err, ca.ErrExists) {
		t.Errorf("renew 10 twice: %v", err)
	}
	if err := renew(13, 99, false); !errors.Is(err, ca.ErrNotFound) {
		t.Errorf("renew an unknown serial: %v", err)
	}
	if err := renew(14, 11, true); err != nil {
		t.Fatalf("renew 11 revoking it: %v", err)
	}
	old, err := s.st.Certificate(s.ctx, big.NewInt(11))
	if err != nil || old.Revocation == nil || old.Revocation.Reason != ca.ReasonSuperseded {
		t.Fatalf("superseded record: %+v, %v", old, err)
	}
	if err := renew(15, 11, false); !errors.Is(err, ca.ErrRefused) {
		t.Errorf("renew a revoked certificate: %v", err)
	}
	for _, n := range []int64{12, 13, 15} {
		if _, err := s.st.Certificate(s.ctx, big.NewInt(n)); !errors.Is(err, ca.ErrNotFound) {
			t.Errorf("refused renewal %d was recorded: %v", n, err)
		}
	}
	a := s.audit()
	if last := a[len(a)-1]; last.Action != "revoke" || len(last.Serials) != 1 || last.Serials[0] != ca.FormatSerial(big.NewInt(11)) {
		t.Errorf("last audit record %+v, want the revocation of 11", last)
	}
}

func testDeltaCRLs(t *testing.T, s *suite) {
	s.issuer("root", "", 1)
	add := func(n, deltaOf int64) {
		t.Helper()
		c := &ca.CRLRecord{Issuer: "root", Number: big.NewInt(n), ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour), DER: []byte{0x30, byte(n)}}
		if deltaOf > 0 {
			c.DeltaOf = big.NewInt(deltaOf)
		}
		if err := s.st.AddCRL(s.ctx, c); err != nil {
			t.Fatalf("AddCRL %d: %v", n, err)
		}
	}
	if n, err := s.st.CRLNumber(s.ctx, "root"); err != nil || n.Sign() != 0 {
		t.Fatalf("CRLNumber before any: %v, %v", n, err)
	}
	add(1, 0)
	add(2, 1)
	last, err := s.st.LastCRL(s.ctx, "root")
	if err != nil || last.Number.Int64() != 1 || last.DeltaOf != nil {
		t.Fatalf("LastCRL after a delta: %+v, %v", last, err)
	}
	if n, err := s.st.CRLNumber(s.ctx, "root"); err != nil || n.Int64() != 2 {
		t.Fatalf("CRLNumber: %v, %v", n, err)
	}
	add(3, 0)
	if last, err := s.st.LastCRL(s.ctx, "root"); err != nil || last.Number.Int64() != 3 {
		t.Fatalf("LastCRL: %+v, %v", last, err)
	}
}
