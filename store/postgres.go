package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// pgMigrations are the PostgreSQL schema's migrations, NNNN_name.sql,
// applied in order; the schema version is the number of the last applied.
//
//go:embed pgschema/*.sql
var pgMigrations embed.FS

// PostgresSchemaVersion is the PostgreSQL schema version this package
// reads and writes: the number of its last migration.
var PostgresSchemaVersion = len(mustMigrations())

// ErrSchema is returned by OpenPostgres for a database whose schema is
// older or newer than this ca's; the message says how to upgrade.
var ErrSchema = errors.New("store: schema version")

type migration struct {
	version int
	name    string
	sql     string
}

func mustMigrations() []migration {
	ms, err := migrations()
	if err != nil {
		panic(err) // embedded at build time: a test catches it
	}
	return ms
}

func migrations() ([]migration, error) {
	names, err := fs.Glob(pgMigrations, "pgschema/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	out := make([]migration, 0, len(names))
	for i, n := range names {
		v, err := strconv.Atoi(strings.SplitN(path.Base(n), "_", 2)[0])
		if err != nil || v != i+1 {
			return nil, fmt.Errorf("store: migration %s is not number %d", n, i+1)
		}
		b, err := pgMigrations.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: path.Base(n), sql: string(b)})
	}
	return out, nil
}

// IsPostgresURL reports whether s names a PostgreSQL store.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Postgres is a ca.Store in a PostgreSQL database (the schema that the
// connection's search_path selects first). Correctness rests on
// transactions and constraints only: every write locks the one audit_head
// row first, so writers append to the audit chain one after the other.
type Postgres struct {
	pool  *pgxpool.Pool
	where string // the URL without its password
	actor ca.Actor
	now   func() time.Time
}

var _ ca.Store = (*Postgres)(nil)

// OpenPostgres connects to the store at rawURL (a pgx connection string).
// opts.Timeout bounds waiting on row and table locks (lock_timeout; ErrLocked
// after it) and the connection; opts.Create applies the schema's
// migrations; without it a database whose schema is not this ca's is
// refused (ErrSchema, saying how to upgrade), one without a ca schema is
// ca.ErrNotFound. A server that cannot be reached is an error naming its
// host.
func OpenPostgres(rawURL string, opts Options) (*Postgres, error) {
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: store URL: %s", ca.ErrUsage, redactErr(err, rawURL))
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	cc := cfg.ConnConfig
	cc.ConnectTimeout = max(timeout, 5*time.Second)
	cc.RuntimeParams["lock_timeout"] = strconv.FormatInt(max(timeout.Milliseconds(), 1), 10)
	cc.RuntimeParams["application_name"] = "ca"
	if opts.ReadOnly {
		cc.RuntimeParams["default_transaction_read_only"] = "on"
	}
	cfg.MaxConns = 4
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	p := &Postgres{where: describeConn(cc), actor: opts.Actor, now: now}
	ctx, cancel := context.WithTimeout(context.Background(), cc.ConnectTimeout+timeout)
	defer cancel()
	if p.pool, err = pgxpool.NewWithConfig(ctx, cfg); err == nil {
		err = p.pool.Ping(ctx)
	}
	if err != nil {
		if p.pool != nil {
			p.pool.Close()
		}
		return nil, fmt.Errorf("store: cannot reach the PostgreSQL server at %s: %s", hostOf(cc), redactErr(err, rawURL))
	}
	if opts.Create && !opts.ReadOnly {
		err = p.migrate(ctx, searchSchema(cc))
	} else {
		err = p.checkSchema(ctx)
	}
	if err != nil {
		p.pool.Close()
		return nil, err
	}
	return p, nil
}

func hostOf(cc *pgx.ConnConfig) string {
	return fmt.Sprintf("%s:%d", cc.Host, cc.Port)
}

// describeConn is the store's name in messages: its URL without a password.
func describeConn(cc *pgx.ConnConfig) string {
	u := url.URL{Scheme: "postgres", User: url.User(cc.User), Host: hostOf(cc), Path: "/" + cc.Database}
	if sp := cc.RuntimeParams["search_path"]; sp != "" {
		u.RawQuery = url.Values{"search_path": {sp}}.Encode()
	}
	return u.String()
}

// redactErr is err's text with the URL's password, if any, blanked.
func redactErr(err error, rawURL string) string {
	msg := err.Error()
	if u, perr := url.Parse(rawURL); perr == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return msg
}

// searchSchema is the first schema of the connection's search_path, which
// init creates when it is missing; "" when none is set.
func searchSchema(cc *pgx.ConnConfig) string {
	first := strings.TrimSpace(strings.Split(cc.RuntimeParams["search_path"], ",")[0])
	if first == "$user" || first == "public" {
		return ""
	}
	return strings.Trim(first, `"`)
}

// Path returns where the store is: its URL without a password.
func (p *Postgres) Path() string { return p.where }

// Close releases the connections.
func (p *Postgres) Close() error {
	p.pool.Close()
	return nil
}

// migrate creates schema when named and applies the migrations the database
// lacks, all in one transaction that holds schema_version exclusively.
func (p *Postgres) migrate(ctx context.Context, schema string) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	return p.tx(ctx, func(tx pgx.Tx) error {
		if schema != "" {
			if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
			LOCK TABLE schema_version IN EXCLUSIVE MODE`); err != nil {
			return err
		}
		var have int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&have); err != nil {
			return err
		}
		if have > len(ms) {
			return newerSchema(p.where, have)
		}
		for _, m := range ms[have:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("store: migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_version (version, name) VALUES ($1, $2)", m.version, m.name); err != nil {
				return err
			}
		}
		return nil
	})
}

func newerSchema(where string, have int) error {
	return fmt.Errorf("%w: %s has schema version %d, newer than this ca's %d; use a newer ca", ErrSchema, where, have, PostgresSchemaVersion)
}

// checkSchema refuses a database whose schema is not this ca's; it never
// migrates.
func (p *Postgres) checkSchema(ctx context.Context) error {
	var have int
	err := p.pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&have)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "42P01": // undefined_table
		return fmt.Errorf("%w: no ca store at %s (create one with \"ca init --store URL --cn NAME\")", ca.ErrNotFound, p.where)
	case err != nil:
		return p.fail("check the schema", err)
	case have < PostgresSchemaVersion:
		return fmt.Errorf("%w: %s has schema version %d, older than this ca's %d; upgrade it with \"ca store upgrade --store URL\" (it applies the migrations in one transaction; back it up first)", ErrSchema, p.where, have, PostgresSchemaVersion)
	case have > PostgresSchemaVersion:
		return newerSchema(p.where, have)
	}
	return nil
}

// UpgradePostgres applies the migrations that the store at rawURL lacks.
func UpgradePostgres(rawURL string, opts Options) error {
	opts.Create = true
	p, err := OpenPostgres(rawURL, opts)
	if err != nil {
		return err
	}
	return p.Close()
}

// tx runs fn in a transaction and commits it; errors are mapped by fail.
func (p *Postgres) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return p.fail("begin", err)
	}
	defer tx.Rollback(context.Background())
	if err := fn(tx); err != nil {
		return p.fail("", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return p.fail("commit", err)
	}
	return nil
}

// fail maps a database error: a lock not granted within lock_timeout is
// ErrLocked; errors of this package pass unchanged.
func (p *Postgres) fail(what string, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "55P03", "57014": // lock_not_available, query_canceled (a timeout)
			return fmt.Errorf("%w: the store %s is in use by another ca process; retry, or raise --lock-timeout (%s)", ErrLocked, p.where, pgErr.Message)
		}
	} else if what == "" {
		return err
	}
	if what == "" {
		return fmt.Errorf("store: %s: %w", p.where, err)
	}
	return fmt.Errorf("store: %s: %s: %w", p.where, what, err)
}

// Redact returns a store URL without its password (in the user part or a
// password parameter), for messages and the audit log.
func Redact(raw string) string {
	if !IsPostgresURL(raw) {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "postgres://(a URL that does not parse)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
