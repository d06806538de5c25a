package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/store"
)

// editStore closes f's store, lets edit change the bbolt file directly (as
// damage or a foreign tool would), and opens it again with a new issuer.
func (f *fixture) editStore(t *testing.T, edit func(tx *bolt.Tx) error) {
	t.Helper()
	path := f.st.Path()
	f.st.Close()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(edit); err != nil {
		t.Fatal(err)
	}
	db.Close()
	st, err := store.Open(path, store.Options{Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	iss, err := ca.NewIssuer(ca.IssuerConfig{Name: "root", Cert: f.cert, Signer: f.issuer.Signer(), Store: st, Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	f.st, f.issuer = st, iss
}

// TestLostRevocation deletes a revocation record from a real bbolt store
// after a CRL listed it: CreateCRL refuses and records nothing (with and
// without IncludeExpired), MissingRevocations names it, Certificates still
// gives it as revoked and RevokedSerials (serve's revocation set) holds it. The command line's view is crl_lost_revocation.txtar.
func TestLostRevocation(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, true)
	f.realDER = true
	revs := f.addRevoked(t, 5, t0.Add(30*24*time.Hour))
	first, err := f.issuer.CreateCRL(ctx, ca.CRLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lost := revs[2].Serial
	key, _ := ca.SerialKey(lost)
	f.editStore(t, func(tx *bolt.Tx) error { return tx.Bucket([]byte("revoked")).Bucket([]byte("root")).Delete(key) })

	f.now = f.now.Add(time.Hour)
	for _, includeExpired := range []bool{false, true} {
		_, err = f.issuer.CreateCRL(ctx, ca.CRLOptions{IncludeExpired: includeExpired, Stage: func(*ca.CRLRecord) error {
			t.Fatal("a CRL was staged")
			return nil
		}})
		var le *ca.LostRevocationsError
		if !errors.As(err, &le) || !errors.Is(err, ca.ErrDamaged) || len(le.Serials) != 1 || le.Serials[0] != ca.FormatSerial(lost) || le.CRLNumber.Int64() != 1 {
			t.Fatalf("includeExpired=%v: err = %v, want a LostRevocationsError for %s on CRL 1", includeExpired, err, ca.FormatSerial(lost))
		}
	}
	if last, err := f.st.LastCRL(ctx, "root"); err != nil || last.Number.Cmp(first.Number) != 0 {
		t.Fatalf("last CRL %v, %v: the refused export used a number", last, err)
	}
	missing, err := ca.MissingRevocations(ctx, f.st)
	if err != nil || len(missing) != 1 || missing[0].Serial.Cmp(lost) != 0 || missing[0].Reason != revs[2].Reason || missing[0].Source() != "CRL 1 of issuer root" {
		t.Fatalf("MissingRevocations = %+v, %v", missing, err)
	}
	if set, err := ca.RevokedSerials(ctx, f.st); err != nil || !set[ca.FormatSerial(lost)] || len(set) != 5 {
		t.Fatalf("RevokedSerials = %v, %v; want all 5, %s among them", set, err, ca.FormatSerial(lost))
	}
	revoked := 0
	if _, err := ca.Certificates(ctx, f.st, ca.Query{}, func(r *ca.CertRecord) error {
		if r.Status(f.now) == ca.StatusRevoked {
			revoked++
		}
		return nil
	}); err != nil || revoked != 5 {
		t.Fatalf("Certificates: %d revoked, %v; want 5", revoked, err)
	}
}

// TestLostRevocationAfterExpiry: an entry whose record is lost leaves the
// CRL as RFC 5280, 3.3 lets any entry leave, once a CRL issued after its
// certificate expired listed it.
func TestLostRevocationAfterExpiry(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, true)
	f.realDER = true
	revs := f.addRevoked(t, 3, t0.Add(24*time.Hour))
	f.now = t0.Add(48 * time.Hour) // all three expired
	if _, err := f.issuer.CreateCRL(ctx, ca.CRLOptions{}); err != nil {
		t.Fatal(err)
	}
	key, _ := ca.SerialKey(revs[0].Serial)
	f.editStore(t, func(tx *bolt.Tx) error { return tx.Bucket([]byte("revoked")).Bucket([]byte("root")).Delete(key) })
	f.now = f.now.Add(time.Hour)
	rec, err := f.issuer.CreateCRL(ctx, ca.CRLOptions{})
	if err != nil || rec.Entries != 0 {
		t.Fatalf("CreateCRL = %+v, %v; want a CRL without the expired entries", rec, err)
	}
}

// TestLastCRLNotSigned: a last CRL record whose DER was changed is not one
// the issuer signed: exports and readers stop with ErrDamaged.
func TestLastCRLNotSigned(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, true)
	f.realDER = true
	f.addRevoked(t, 2, t0.Add(30*24*time.Hour))
	if _, err := f.issuer.CreateCRL(ctx, ca.CRLOptions{}); err != nil {
		t.Fatal(err)
	}
	f.editStore(t, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("crls")).Bucket([]byte("root"))
		k, v := b.Cursor().Last()
		v = append([]byte(nil), v...)
		v[len(v)-1] ^= 1 // the last byte of the signature
		return b.Put(append([]byte(nil), k...), v)
	})
	if _, err := f.issuer.CreateCRL(ctx, ca.CRLOptions{}); !errors.Is(err, ca.ErrDamaged) {
		t.Fatalf("CreateCRL: err = %v, want ErrDamaged", err)
	}
	if _, err := ca.MissingRevocations(ctx, f.st); !errors.Is(err, ca.ErrDamaged) {
		t.Fatalf("MissingRevocations: err = %v, want ErrDamaged", err)
	}
}
