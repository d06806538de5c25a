package store

import (
	"cmp"
	"fmt"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// testListStatuses: ca.List gives, for every --status and --sort and with
// or without --expiring-within, exactly the certificates in that state,
// in that order (ties by serial), as a filter and sort of the whole
// store would. The store selects valid and expiring certificates from its
// expiry index (Query.NotAfterFrom) and expired ones up to now
// (Query.NotAfterBefore): certificates that expire at now, a second
// before and a second after are on the edges of both.
func testListStatuses(t *testing.T, s *suite) {
	s.issuer("root", "", 1)
	s.issuer("sub", "root", 2)
	now := time.Now().Truncate(time.Second).Add(500 * time.Millisecond)
	sec := time.Second
	mk := func(serial int64, issuer string, notBefore, notAfter time.Duration) *ca.CertRecord {
		c := s.cert(serial, issuer, fmt.Sprint("c", serial), now.Add(notAfter))
		c.NotBefore = now.Add(notBefore)
		return c
	}
	s.add(
		mk(40, "sub", -time.Hour, 10*time.Hour), mk(41, "root", -3*time.Hour, 30*time.Hour),
		mk(42, "sub", -2*time.Hour, 20*time.Hour), mk(43, "sub", -50*time.Hour, -10*time.Hour),
		mk(44, "root", -40*time.Hour, -20*time.Hour), mk(45, "sub", -5*time.Hour, -sec),
		mk(46, "root", -6*time.Hour, 0), mk(47, "sub", -7*time.Hour, sec),
		mk(48, "root", -8*time.Hour, 400*24*time.Hour), mk(49, "sub", -9*time.Hour, -30*time.Hour),
	)
	if _, err := s.st.Revoke(s.ctx, []ca.Revocation{{Serial: big.NewInt(42), RevokedAt: now}, {Serial: big.NewInt(49), RevokedAt: now}}); err != nil {
		t.Fatal(err)
	}
	var all []ca.ListEntry
	if _, err := ca.List(s.ctx, s.st, ca.ListQuery{Status: "all", Sort: ca.SortSerial, Now: now}, func(e *ca.ListEntry) error { all = append(all, *e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(all) != 12 {
		t.Fatalf("%d certificates listed, want 12", len(all))
	}
	for _, status := range []string{"all", ca.StatusValid, ca.StatusRevoked, ca.StatusExpired} {
		for _, sort := range ca.ListSorts {
			for _, within := range []time.Duration{0, 25 * time.Hour} {
				q := ca.ListQuery{Status: status, Sort: sort, Now: now}
				if within > 0 {
					q.NotAfterBefore, q.ValidOnly = now.Add(within), true
				}
				var got []string
				_, err := ca.List(s.ctx, s.st, q, func(e *ca.ListEntry) error { got = append(got, e.Serial); return nil })
				if err != nil {
					t.Fatal(err)
				}
				if want := wantListed(all, q); !slices.Equal(got, want) {
					t.Errorf("--status %s --sort %s --expiring-within %v: %v, want %v", status, sort, within, got, want)
				}
			}
		}
	}
}

// wantListed is what ca.List gives for q: all filtered and sorted in
// memory.
func wantListed(all []ca.ListEntry, q ca.ListQuery) []string {
	var sel []ca.ListEntry
	for _, e := range all {
		if (q.Status == "all" || e.Status == q.Status) &&
			(!q.ValidOnly || e.Status == ca.StatusValid && e.NotAfter.Before(q.NotAfterBefore)) {
			sel = append(sel, e)
		}
	}
	serial := func(e ca.ListEntry) int64 { n, _ := new(big.Int).SetString(e.Serial, 16); return n.Int64() }
	slices.SortFunc(sel, func(a, b ca.ListEntry) int {
		c := 0
		switch q.Sort {
		case ca.SortNotBefore:
			c = a.NotBefore.Compare(b.NotBefore)
		case ca.SortNotAfter:
			c = a.NotAfter.Compare(b.NotAfter)
		}
		return cmp.Or(c, cmp.Compare(serial(a), serial(b)))
	})
	out := []string{}
	for _, e := range sel {
		out = append(out, e.Serial)
	}
	return out
}
