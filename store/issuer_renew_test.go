package store

import (
	"errors"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// testReplaceIssuerCert: the renewal of an intermediate's certificate is
// recorded, linked to the old one and made the issuer's, in one audited
// transaction; a stale, revoked, root or unknown renewal changes nothing.
func testReplaceIssuerCert(t *testing.T, s *suite) {
	s.issuer("root", "", 1)
	s.issuer("sub", "root", 2)
	renewal := func(serial int64, of int) *ca.CertRecord {
		c := s.cert(serial, "sub", "sub", time.Now().Add(2*time.Hour))
		c.Issuer, c.Profile, c.RenewalOf = "root", ca.ProfileIntermediate.Name(), bigInt(of)
		return c
	}
	if err := s.st.ReplaceIssuerCert(s.ctx, "sub", renewal(3, 2)); err != nil {
		t.Fatalf("ReplaceIssuerCert: %v", err)
	}
	rec, err := s.st.Issuer(s.ctx, "sub")
	if err != nil || rec.Serial.Int64() != 3 || rec.Parent != "root" {
		t.Fatalf("issuer after renewal: %+v, %v", rec, err)
	}
	old, err := s.st.Certificate(s.ctx, bigInt(2))
	if err != nil || old.RenewedBy == nil || old.RenewedBy.Int64() != 3 {
		t.Fatalf("old certificate not linked: %+v, %v", old, err)
	}
	nw, err := s.st.Certificate(s.ctx, bigInt(3))
	if err != nil || nw.RenewalOf == nil || nw.RenewalOf.Int64() != 2 || nw.Issuer != "root" {
		t.Fatalf("new certificate: %+v, %v", nw, err)
	}
	audit := s.audit()
	if last := audit[len(audit)-1]; last.Action != "renew-issuer" || last.Issuer != "sub" || len(last.Serials) != 1 || last.Serials[0] != ca.FormatSerial(bigInt(3)) {
		t.Errorf("audit record: %+v", last)
	}
	n := len(audit)
	for _, tc := range []struct {
		name string
		iss  string
		rec  *ca.CertRecord
		want error
	}{
		{"stale", "sub", renewal(4, 2), ca.ErrExists},
		{"root", "root", renewal(5, 1), ca.ErrUsage},
		{"unknown", "nope", renewal(6, 3), ca.ErrNotFound},
		{"serial taken", "sub", renewal(1, 3), ca.ErrSerialExists},
	} {
		if err := s.st.ReplaceIssuerCert(s.ctx, tc.iss, tc.rec); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := s.st.Revoke(s.ctx, []ca.Revocation{{Serial: bigInt(3), RevokedAt: time.Now(), Reason: ca.ReasonKeyCompromise}}); err != nil {
		t.Fatal(err)
	}
	n++
	if err := s.st.ReplaceIssuerCert(s.ctx, "sub", renewal(7, 3)); !errors.Is(err, ca.ErrRefused) {
		t.Errorf("revoked: got %v, want ErrRefused", err)
	}
	if rec, _ := s.st.Issuer(s.ctx, "sub"); rec.Serial.Int64() != 3 {
		t.Errorf("a refused renewal changed the issuer to %s", rec.Serial)
	}
	if got := len(s.audit()); got != n {
		t.Errorf("refused renewals wrote %d audit records", got-n)
	}
}
