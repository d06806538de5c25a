package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// pgTestURL is the server the PostgreSQL tests use: $CA_TEST_POSTGRES
// (e.g. postgres://postgres@127.0.0.1:5432/postgres). Without it they skip,
// or fail when CI=true.
func pgTestURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("CA_TEST_POSTGRES")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CA_TEST_POSTGRES is not set and CI=true: the PostgreSQL store tests need a server (.ci/run starts one)")
		}
		t.Skip("no PostgreSQL server: set CA_TEST_POSTGRES=postgres://USER@HOST:PORT/DB to run the PostgreSQL store tests")
	}
	return u
}

// pgSchemaURL returns the test server's URL with a search_path naming a
// schema of its own for key, dropped when the test ends.
func pgSchemaURL(t testing.TB, key string) string {
	t.Helper()
	base := pgTestURL(t)
	sum := sha256.Sum256([]byte(key))
	schema := "ca_test_" + hex.EncodeToString(sum[:8])
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Log(err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			t.Log(err)
		}
	})
	return u.String()
}

var pgSchemas sync.Map // dir -> URL

func openTestPostgres(t *testing.T, dir string) ca.Store {
	t.Helper()
	u, ok := pgSchemas.Load(dir)
	if !ok {
		u = pgSchemaURL(t, dir)
		pgSchemas.Store(dir, u)
	}
	st, err := OpenPostgres(u.(string), Options{Create: true, Timeout: 5 * time.Second, Actor: ca.Actor{Command: "ca test", User: "tester"}})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestPostgresConformance(t *testing.T) {
	pgTestURL(t)
	runConformance(t, openTestPostgres)
}

func TestPostgresMigrations(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != PostgresSchemaVersion || PostgresSchemaVersion < 1 {
		t.Fatalf("%d migrations, schema version %d", len(ms), PostgresSchemaVersion)
	}
}

// An older schema is refused, never migrated, with the way to upgrade;
// Create (ca init, ca store upgrade) applies what is missing.
func TestPostgresOlderSchema(t *testing.T) {
	u := pgSchemaURL(t, t.Name())
	_, err := OpenPostgres(u, Options{})
	if !errors.Is(err, ca.ErrNotFound) || !strings.Contains(err.Error(), "ca init --store") {
		t.Fatalf("open without a schema: %v", err)
	}
	st, err := OpenPostgres(u, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.pool.Exec(context.Background(), "DELETE FROM schema_version WHERE version = $1", PostgresSchemaVersion); err != nil {
		t.Fatal(err)
	}
	st.Close()
	_, err = OpenPostgres(u, Options{})
	if !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "ca store upgrade") {
		t.Fatalf("open an older schema: %v", err)
	}
	var n int
	conn, _ := pgx.Connect(context.Background(), u)
	defer conn.Close(context.Background())
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM schema_version").Scan(&n); err != nil || n != PostgresSchemaVersion-1 {
		t.Fatalf("the refused open changed schema_version: %d rows, %v", n, err)
	}
	_, err = conn.Exec(context.Background(), "INSERT INTO schema_version (version, name) VALUES ($1, 'x'), ($2, 'future')", PostgresSchemaVersion, PostgresSchemaVersion+1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err = OpenPostgres(u, Options{}); !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("open a newer schema: %v", err)
	}
}

func TestPostgresUnreachable(t *testing.T) {
	_, err := OpenPostgres("postgres://ca:s3cret@127.0.0.1:1/ca", Options{Timeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("unreachable server: %v", err)
	}
	if errors.Is(err, ErrLocked) || errors.Is(err, ca.ErrNotFound) {
		t.Fatalf("unreachable server is %v, want a plain failure", err)
	}
}

// A writer that holds the audit head past the other's lock timeout makes
// it fail with ErrLocked, and nothing is recorded.
func TestPostgresLockTimeout(t *testing.T) {
	u := pgSchemaURL(t, t.Name())
	st, err := OpenPostgres(u, Options{Create: true, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	conn, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	tx, err := conn.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(context.Background(), "SELECT * FROM audit_head FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	s := &suite{t: t, st: st, ctx: context.Background()}
	start := time.Now()
	err = st.AddCRL(context.Background(), &ca.CRLRecord{Issuer: "root", Number: big.NewInt(1), DER: []byte{1}})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("AddCRL while the head is held: %v", err)
	}
	t.Logf("waited %s", time.Since(start))
	if d := time.Since(start); d < 250*time.Millisecond || d > 5*time.Second {
		t.Errorf("waited %s for a 300ms lock timeout", d)
	}
	tx.Rollback(context.Background())
	if _, err := st.LastCRL(s.ctx, "root"); !errors.Is(err, ca.ErrNotFound) {
		t.Errorf("after the timeout: %v", err)
	}
}

// Separate connections (as separate processes) racing to export CRLs:
// every number is taken once, none skipped; the loser retries with the
// next number.
func TestPostgresCRLRace(t *testing.T) {
	u := pgSchemaURL(t, t.Name())
	const exporters, each = 4, 5
	stores := make([]*Postgres, exporters)
	for i := range stores {
		st, err := OpenPostgres(u, Options{Create: true, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		stores[i] = st
	}
	var wg sync.WaitGroup
	for _, st := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if err := addNextCRL(st); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	last, err := stores[0].LastCRL(context.Background(), "root")
	if err != nil || last.Number.Int64() != exporters*each {
		t.Fatalf("last CRL %v, %v; want number %d", last, err, exporters*each)
	}
	if problems := stores[0].Check(); len(problems) > 0 {
		t.Fatal(problems)
	}
}

func addNextCRL(st *Postgres) error {
	for range 100 {
		n := int64(1)
		if last, err := st.LastCRL(context.Background(), "root"); err == nil {
			n = last.Number.Int64() + 1
		}
		err := st.AddCRL(context.Background(), &ca.CRLRecord{Issuer: "root", Number: big.NewInt(n), ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour), DER: []byte{byte(n)}})
		if !errors.Is(err, ca.ErrCRLNumber) {
			return err
		}
	}
	return fmt.Errorf("no CRL number after 100 tries")
}

// One root per PostgreSQL store, by constraint: a second root (another
// "ca init" on the same schema, however it races) is ca.ErrExists and
// nothing of it is recorded.
func TestPostgresOneRoot(t *testing.T) {
	u := pgSchemaURL(t, t.Name())
	st, err := OpenPostgres(u, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := &suite{t: t, st: st, ctx: context.Background()}
	s.issuer("root", "", 1)
	c := s.cert(2, "other", "other", time.Now().Add(time.Hour))
	err = st.AddIssuer(s.ctx, ca.IssuerRecord{Name: "other", Serial: c.Serial, DER: c.DER}, c)
	if !errors.Is(err, ca.ErrExists) || !strings.Contains(err.Error(), "holds a root already") {
		t.Fatalf("a second root: %v", err)
	}
	if _, err := st.Certificate(s.ctx, big.NewInt(2)); !errors.Is(err, ca.ErrNotFound) {
		t.Errorf("the refused root's certificate was recorded: %v", err)
	}
	s.issuer("sub", "root", 3) // intermediates are not roots
	s.check()
}

// Changes made by hand in SQL, behind the toolkit's back, are found by
// Check and VerifyAudit.
func TestPostgresFindsHandEdits(t *testing.T) {
	cases := []struct {
		name, sql, want string
	}{
		{"revocation deleted", "DELETE FROM revocations", "the revocation of 0a (audit record 3) is missing"},
		{"certificate added", "INSERT INTO certs SELECT '\\x" + strings.Repeat("00", 19) + "63'::bytea, issuer, subject, sans, not_before, not_after, profile, der FROM certs LIMIT 1", "certificate 63 has no audit record"},
		{"audit record edited", "UPDATE audit SET record = convert_to(replace(convert_from(record, 'UTF8'), '\"ok\"', '\"no\"'), 'UTF8') WHERE seq = 2", "audit record 2 was edited"},
		{"last audit record removed", "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)", "the audit head (record 6) is not the last record"},
		{"CRL deleted", "DELETE FROM crls WHERE number = 3", "issuer root has 2 CRLs but 3 crl audit records"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := pgSchemaURL(t, t.Name())
			st, err := OpenPostgres(u, Options{Create: true, Actor: ca.Actor{User: "tester"}})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			src := filledStore(t, t.TempDir()+"/ca.db")
			defer src.Close()
			if _, err := Copy(context.Background(), src, st); err != nil {
				t.Fatal(err)
			}
			if _, err := st.pool.Exec(context.Background(), c.sql); err != nil {
				t.Fatal(err)
			}
			var found []string
			for _, p := range st.Check() {
				found = append(found, p.Error())
			}
			if !strings.Contains(strings.Join(found, "\n"), c.want) {
				t.Errorf("check found %q, want %q", found, c.want)
			}
			if _, err := st.VerifyAudit(""); !errors.Is(err, ca.ErrVerify) {
				t.Errorf("VerifyAudit: %v", err)
			}
		})
	}
}
