package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// pgWriter is one write transaction: the audit head it locked and the
// records it appends.
type pgWriter struct {
	p    *Postgres
	ctx  context.Context
	tx   pgx.Tx
	seq  uint64
	hash string
}

// write runs fn in a transaction that first locks the audit head (waiting
// up to lock_timeout), and moves the head to the last record fn appended.
func (p *Postgres) write(ctx context.Context, fn func(w *pgWriter) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return p.tx(ctx, func(tx pgx.Tx) error {
		w := &pgWriter{p: p, ctx: ctx, tx: tx}
		if err := tx.QueryRow(ctx, "SELECT seq, hash FROM audit_head FOR UPDATE").Scan(&w.seq, &w.hash); err != nil {
			return err
		}
		start := w.seq
		if err := fn(w); err != nil {
			return err
		}
		if w.seq == start {
			return nil
		}
		_, err := tx.Exec(ctx, "UPDATE audit_head SET seq = $1, hash = $2", w.seq, w.hash)
		return err
	})
}

// audit appends the record of one change, chained to the one before.
func (w *pgWriter) audit(action, issuer string, serials []string) error {
	a := w.p.actor
	rec := ca.AuditRecord{
		Seq: w.seq + 1, Time: w.p.now().UTC(), Command: a.Command, Args: a.Args, User: a.User,
		Action: action, Issuer: issuer, Serials: serials, Result: "ok", Prev: w.hash,
	}
	if rec.Args == nil {
		rec.Args = []string{}
	}
	if rec.Serials == nil {
		rec.Serials = []string{}
	}
	rec.Hash = rec.ComputeHash()
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if _, err := w.tx.Exec(w.ctx, "INSERT INTO audit (seq, hash, record) VALUES ($1, $2, $3)", rec.Seq, rec.Hash, v); err != nil {
		return err
	}
	w.seq, w.hash = rec.Seq, rec.Hash
	return nil
}

// AddIssuer implements ca.Store.
func (p *Postgres) AddIssuer(ctx context.Context, iss ca.IssuerRecord, cert *ca.CertRecord) error {
	return p.write(ctx, func(w *pgWriter) error {
		if ok, err := w.issuerExists(iss.Name); err != nil || ok {
			return cmp.Or(err, fmt.Errorf("%w: issuer %q", ca.ErrExists, iss.Name))
		}
		if iss.Parent != "" {
			if ok, err := w.issuerExists(iss.Parent); err != nil || !ok {
				return cmp.Or(err, fmt.Errorf("%w: parent issuer %q", ca.ErrNotFound, iss.Parent))
			}
		}
		serial, err := serialKey(iss.Serial)
		if err != nil {
			return err
		}
		if err := w.insertCert(cert); err != nil {
			return err
		}
		_, err = w.tx.Exec(ctx, "INSERT INTO issuers (name, parent, serial, der) VALUES ($1, $2, $3, $4)", iss.Name, iss.Parent, serial, iss.DER)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.ConstraintName == "issuers_one_root" {
			return fmt.Errorf("%w: the store %s holds a root already; a store has one", ca.ErrExists, p.where)
		}
		if err != nil {
			return err
		}
		if !iss.URLs.IsZero() {
			if err := w.putURLs(iss.Name, iss.URLs); err != nil {
				return err
			}
		}
		if iss.Policy != nil {
			if err := w.putPolicy(iss.Name, iss.Policy); err != nil {
				return err
			}
		}
		return w.audit("add-issuer", iss.Name, []string{ca.FormatSerial(cert.Serial)})
	})
}

const issuerCols = "name, parent, serial, der"

func scanIssuer(row pgx.Row) (*ca.IssuerRecord, error) {
	var rec ca.IssuerRecord
	var serial []byte
	if err := row.Scan(&rec.Name, &rec.Parent, &serial, &rec.DER); err != nil {
		return nil, err
	}
	rec.Serial = new(big.Int).SetBytes(serial)
	return &rec, nil
}

// Issuer implements ca.Store.
func (p *Postgres) Issuer(ctx context.Context, name string) (*ca.IssuerRecord, error) {
	rec, err := scanIssuer(p.pool.QueryRow(ctx, "SELECT "+issuerCols+" FROM issuers WHERE name = $1", name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: issuer %q", ca.ErrNotFound, name)
	}
	if err != nil {
		return nil, p.fail("read issuer", err)
	}
	return rec, nil
}

// Issuers implements ca.Store.
func (p *Postgres) Issuers(ctx context.Context) ([]ca.IssuerRecord, error) {
	rows, err := p.pool.Query(ctx, "SELECT "+issuerCols+" FROM issuers ORDER BY parent <> '', name")
	if err != nil {
		return nil, p.fail("read issuers", err)
	}
	out := []ca.IssuerRecord{}
	for rows.Next() {
		rec, err := scanIssuer(rows)
		if err != nil {
			rows.Close()
			return nil, p.fail("read issuers", err)
		}
		out = append(out, *rec)
	}
	if err := rows.Err(); err != nil {
		return nil, p.fail("read issuers", err)
	}
	return out, nil
}

// certRow is a certificate record in the form of the certs table.
type certRow struct {
	serial, renewalOf []byte
	sans              string
}

func toCertRow(c *ca.CertRecord) (certRow, error) {
	var r certRow
	var err error
	if r.serial, err = serialKey(c.Serial); err != nil {
		return r, err
	}
	if c.RenewalOf != nil {
		if r.renewalOf, err = serialKey(c.RenewalOf); err != nil {
			return r, err
		}
	}
	sans := c.SANs
	if sans == nil {
		sans = []string{}
	}
	b, err := json.Marshal(sans)
	r.sans = string(b)
	return r, err
}

// insertCert records one certificate if its serial is new (ca.ErrSerialExists otherwise).
func (w *pgWriter) insertCert(c *ca.CertRecord) error {
	r, err := toCertRow(c)
	if err != nil {
		return err
	}
	tag, err := w.tx.Exec(w.ctx, `INSERT INTO certs (serial, issuer, subject, sans, not_before, not_after, profile, der, renewal_of, key_held)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (serial) DO NOTHING`,
		r.serial, c.Issuer, c.Subject, r.sans, c.NotBefore.UTC(), c.NotAfter.UTC(), c.Profile, c.DER, r.renewalOf, c.KeyHeld)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: serial %s", ca.ErrSerialExists, ca.FormatSerial(c.Serial))
	}
	return nil
}

const certCols = `c.serial, c.issuer, c.subject, c.sans, c.not_before, c.not_after, c.profile, c.der, c.renewal_of, c.renewed_by, c.key_held,
	r.not_after, r.revoked_at, r.reason, r.invalidity_date`

const certFrom = " FROM certs c LEFT JOIN revocations r ON r.serial = c.serial"

func scanCert(row pgx.Row) (*ca.CertRecord, error) {
	var c ca.CertRecord
	var serial, renewalOf, renewedBy []byte
	var sans string
	var rNotAfter, rAt, rInvalid *time.Time
	var reason *int
	if err := row.Scan(&serial, &c.Issuer, &c.Subject, &sans, &c.NotBefore, &c.NotAfter, &c.Profile, &c.DER, &renewalOf, &renewedBy, &c.KeyHeld,
		&rNotAfter, &rAt, &reason, &rInvalid); err != nil {
		return nil, err
	}
	c.Serial = new(big.Int).SetBytes(serial)
	c.NotBefore, c.NotAfter = c.NotBefore.UTC(), c.NotAfter.UTC()
	if err := json.Unmarshal([]byte(sans), &c.SANs); err != nil {
		return nil, fmt.Errorf("%w: certificate %x: sans: %v", ErrCorrupt, serial, err)
	}
	if renewalOf != nil {
		c.RenewalOf = new(big.Int).SetBytes(renewalOf)
	}
	if renewedBy != nil {
		c.RenewedBy = new(big.Int).SetBytes(renewedBy)
	}
	if rAt != nil {
		c.Revocation = &ca.Revocation{Serial: c.Serial, Issuer: c.Issuer, NotAfter: rNotAfter.UTC(), RevokedAt: rAt.UTC(), Reason: ca.Reason(*reason)}
		if rInvalid != nil {
			c.Revocation.InvalidityDate = rInvalid.UTC()
		}
	}
	return &c, nil
}

// Certificate implements ca.Store.
func (p *Postgres) Certificate(ctx context.Context, serial *big.Int) (*ca.CertRecord, error) {
	key, err := serialKey(serial)
	if err != nil {
		return nil, err
	}
	rec, err := scanCert(p.pool.QueryRow(ctx, "SELECT "+certCols+certFrom+" WHERE c.serial = $1", key))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: serial %s is not in this home (see \"ca list\")", ca.ErrNotFound, ca.FormatSerial(serial))
	}
	if err != nil {
		return nil, p.fail("read certificate", err)
	}
	return rec, nil
}

// Certificates implements ca.Store. The subject text is matched in Go, as
// Bolt does, so that both stores fold case alike; the range of notAfter
// is a WHERE clause on certs_by_expiry's column.
func (p *Postgres) Certificates(ctx context.Context, q ca.Query, fn func(*ca.CertRecord) error) error {
	query, args, where := "SELECT "+certCols+certFrom, []any{}, " WHERE "
	if !q.NotAfterBefore.IsZero() {
		args = append(args, time.Unix(q.NotAfterBefore.Unix(), 0).UTC())
		query, where = query+where+"c.not_after < $1", " AND "
		if q.Order == "" {
			q.Order = ca.SortNotAfter
		}
	}
	if !q.NotAfterFrom.IsZero() {
		args = append(args, time.Unix(q.NotAfterFrom.Unix(), 0).UTC())
		query, where = query+where+fmt.Sprintf("c.not_after >= $%d", len(args)), " AND "
		if q.Order == "" {
			q.Order = ca.SortNotAfter
		}
	}
	if q.Issuer != "" {
		args = append(args, q.Issuer)
		query, where = query+where+fmt.Sprintf("c.issuer = $%d", len(args)), " AND "
	}
	if q.Revoked {
		query += where + "r.serial IS NOT NULL"
	}
	// Each order has an index (certs_by_issued, certs_by_expiry, the key).
	switch q.Order {
	case ca.SortNotBefore:
		query += " ORDER BY c.not_before, c.serial"
	case ca.SortNotAfter:
		query += " ORDER BY c.not_after, c.serial"
	default:
		query += " ORDER BY c.serial"
	}
	subject := strings.ToLower(q.Subject)
	return p.each(ctx, "read certificates", query, args, func(row pgx.Rows) error {
		rec, err := scanCert(row)
		if err != nil {
			return err
		}
		if subject != "" && !matchesText(rec, subject) {
			return nil
		}
		return fn(rec)
	})
}

// each runs query in a read-only repeatable-read transaction (one
// snapshot) and calls fn for each row until it returns an error.
func (p *Postgres) each(ctx context.Context, what, query string, args []any, fn func(pgx.Rows) error) error {
	tx, err := p.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return p.fail(what, err)
	}
	defer tx.Rollback(context.Background())
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return p.fail(what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return p.fail(what, err)
	}
	return nil
}

// issuerExists says whether the store holds an issuer called name.
func (w *pgWriter) issuerExists(name string) (bool, error) {
	var n int
	err := w.tx.QueryRow(w.ctx, "SELECT count(*) FROM issuers WHERE name = $1", name).Scan(&n)
	return n > 0, err
}
