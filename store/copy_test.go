package store

import (
	"context"
	"errors"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// bbolt -> PostgreSQL -> bbolt: every record and the audit chain arrive
// unchanged (the same head), the copies pass their checks, and a target
// that is not empty is refused with nothing written.
func TestCopyBoltPostgresBolt(t *testing.T) {
	u := pgSchemaURL(t, t.Name())
	src := filledStore(t, filepath.Join(t.TempDir(), "ca.db"))
	defer src.Close()
	s := &suite{t: t, st: src, ctx: context.Background()}
	renewal := s.cert(12, "root", "b", time.Now().Add(time.Hour))
	renewal.RenewalOf = big.NewInt(11)
	s.add(renewal)
	policy := []byte(`{"subject":{"CN":"supplied"}}`)
	urls := ca.IssuerURLs{CRL: "http://pki.example.com/{issuer}.crl", OCSP: "http://pki.example.com/ocsp"}
	if err := src.SetPolicy(s.ctx, "root", policy, false); err != nil {
		t.Fatal(err)
	}
	if err := src.SetIssuerURLs(s.ctx, "root", urls); err != nil {
		t.Fatal(err)
	}
	pg, err := OpenPostgres(u, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if _, err := Copy(context.Background(), src, pg); err != nil {
		t.Fatal(err)
	}
	if err := VerifyCopy(src, pg); err != nil {
		t.Fatal(err)
	}
	if c, err := pg.Certificate(s.ctx, big.NewInt(11)); err != nil || c.RenewedBy == nil || c.RenewedBy.Int64() != 12 {
		t.Fatalf("renewal link lost: %+v %v", c, err)
	}
	back, err := Open(filepath.Join(t.TempDir(), "back.db"), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if _, err := Copy(context.Background(), pg, back); err != nil {
		t.Fatal(err)
	}
	if err := VerifyCopy(src, back); err != nil {
		t.Fatal(err)
	}
	for _, st := range []ca.Store{pg, back} {
		if got, err := st.Policy(s.ctx, "root"); err != nil || string(got) != string(policy) {
			t.Errorf("%T: policy not copied: %q, %v", st, got, err)
		}
		if got, err := st.IssuerURLs(s.ctx, "root"); err != nil || got != urls {
			t.Fatalf("issuer URLs after the copy: %+v %v, want %+v", got, err, urls)
		}
	}
	before, _ := pg.Counts()
	if _, err := Copy(context.Background(), src, pg); !errors.Is(err, ErrNotEmpty) || !errors.Is(err, ca.ErrExists) {
		t.Fatalf("copy into a non-empty PostgreSQL store: %v", err)
	}
	if _, err := Copy(context.Background(), pg, back); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("copy into a non-empty bbolt store: %v", err)
	}
	if after, _ := pg.Counts(); after != before {
		t.Errorf("a refused copy changed the target: %+v -> %+v", before, after)
	}
}

// A backup of a PostgreSQL store is a bbolt file holding the same records.
func TestPostgresBackupFile(t *testing.T) {
	u := pgSchemaURL(t, t.Name())
	src := filledStore(t, filepath.Join(t.TempDir(), "ca.db"))
	defer src.Close()
	pg, err := OpenPostgres(u, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if _, err := Copy(context.Background(), src, pg); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	if _, err := pg.BackupFile(path); err != nil {
		t.Fatal(err)
	}
	if _, err := pg.BackupFile(path); !errors.Is(err, ErrBackupTarget) {
		t.Fatalf("backup over an existing file: %v", err)
	}
	bk, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bk.Close()
	if err := VerifyCopy(pg, bk); err != nil {
		t.Fatal(err)
	}
}
