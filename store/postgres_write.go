package store

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// AddCertificates implements ca.Store. A batch without renewals is one
// INSERT of every row (group commit: one statement, one transaction, one
// audit record); renewals are checked and linked one by one, as Bolt does.
func (p *Postgres) AddCertificates(ctx context.Context, certs []*ca.CertRecord) ([]error, error) {
	rows := make([]certRow, len(certs))
	renewals := false
	for i, c := range certs {
		var err error
		if rows[i], err = toCertRow(c); err != nil {
			return nil, err
		}
		renewals = renewals || c.RenewalOf != nil
	}
	var errs []error
	err := p.write(ctx, func(w *pgWriter) error {
		var superseded []string
		var err error
		if renewals {
			errs, superseded, err = w.addOneByOne(certs)
		} else {
			errs, err = w.addAll(certs, rows)
		}
		if err != nil {
			return err
		}
		return w.auditAdded(certs, errs, superseded)
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}

// auditAdded appends the issue record of the certificates recorded and the
// revoke record of those their renewals superseded.
func (w *pgWriter) auditAdded(certs []*ca.CertRecord, errs []error, superseded []string) error {
	issuer, serials := issuedAudit(certs, errs)
	if len(serials) == 0 {
		return nil
	}
	if err := w.audit("issue", issuer, serials); err != nil {
		return err
	}
	if len(superseded) == 0 {
		return nil
	}
	return w.audit("revoke", issuer, superseded)
}

// addAll inserts every row in one statement; a serial taken (before, or
// earlier in the batch) is ca.ErrSerialExists for its cert.
func (w *pgWriter) addAll(certs []*ca.CertRecord, rows []certRow) ([]error, error) {
	n := len(certs)
	serials, sans, renewalOfs := make([][]byte, n), make([]string, n), make([][]byte, n)
	issuers, subjects, profiles := make([]string, n), make([]string, n), make([]string, n)
	notBefore, notAfter := make([]time.Time, n), make([]time.Time, n)
	ders, keyHeld := make([][]byte, n), make([]bool, n)
	for i, c := range certs {
		serials[i], sans[i], renewalOfs[i] = rows[i].serial, rows[i].sans, rows[i].renewalOf
		issuers[i], subjects[i], profiles[i] = c.Issuer, c.Subject, c.Profile
		notBefore[i], notAfter[i], ders[i], keyHeld[i] = c.NotBefore.UTC(), c.NotAfter.UTC(), c.DER, c.KeyHeld
	}
	res, err := w.tx.Query(w.ctx, `INSERT INTO certs (serial, issuer, subject, sans, not_before, not_after, profile, der, renewal_of, key_held)
		SELECT * FROM unnest($1::bytea[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::bytea[], $9::bytea[], $10::boolean[])
		ON CONFLICT (serial) DO NOTHING RETURNING serial`,
		serials, issuers, subjects, sans, notBefore, notAfter, profiles, ders, renewalOfs, keyHeld)
	if err != nil {
		return nil, err
	}
	inserted := map[string]bool{}
	for res.Next() {
		var s []byte
		if err := res.Scan(&s); err != nil {
			res.Close()
			return nil, err
		}
		inserted[string(s)] = true
	}
	if err := res.Err(); err != nil {
		return nil, err
	}
	errs := make([]error, n)
	for i, c := range certs {
		if inserted[string(serials[i])] {
			delete(inserted, string(serials[i])) // a later duplicate in the batch lost
			continue
		}
		errs[i] = fmt.Errorf("%w: serial %s", ca.ErrSerialExists, ca.FormatSerial(c.Serial))
	}
	return errs, nil
}

// addOneByOne records certs in order, checking and linking renewals.
func (w *pgWriter) addOneByOne(certs []*ca.CertRecord) ([]error, []string, error) {
	errs := make([]error, len(certs))
	var superseded []string
	for i, c := range certs {
		old, err := w.checkRenewal(c)
		if err != nil {
			errs[i] = err
			continue
		}
		errs[i] = w.insertCert(c)
		if errs[i] != nil && !errors.Is(errs[i], ca.ErrSerialExists) {
			return nil, nil, errs[i]
		}
		if errs[i] != nil || old == nil {
			continue
		}
		if err := w.linkRenewal(c, old); err != nil {
			return nil, nil, err
		}
		if c.RevokeRenewed {
			superseded = append(superseded, ca.FormatSerial(c.RenewalOf))
		}
	}
	return errs, superseded, nil
}

// checkRenewal is Bolt's checkRenewal: the renewed certificate, or why c
// may not be recorded.
func (w *pgWriter) checkRenewal(c *ca.CertRecord) (*ca.CertRecord, error) {
	if c.RenewalOf == nil {
		return nil, nil
	}
	key, err := serialKey(c.RenewalOf)
	if err != nil {
		return nil, err
	}
	old, err := scanCert(w.tx.QueryRow(w.ctx, "SELECT "+certCols+certFrom+" WHERE c.serial = $1 FOR UPDATE OF c", key))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, fmt.Errorf("%w: serial %s, which this renews, is not in this home", ca.ErrNotFound, ca.FormatSerial(c.RenewalOf))
	case err != nil:
		return nil, err
	case old.Revocation != nil:
		return nil, fmt.Errorf("%w: serial %s is revoked; a revoked certificate is not renewed", ca.ErrRefused, ca.FormatSerial(old.Serial))
	case old.RenewedBy != nil:
		return nil, fmt.Errorf("%w: serial %s was renewed already, by %s", ca.ErrExists, ca.FormatSerial(old.Serial), ca.FormatSerial(old.RenewedBy))
	}
	return old, nil
}

// linkRenewal notes on old that c renewed it and, when c asks, revokes it
// (superseded, now).
func (w *pgWriter) linkRenewal(c, old *ca.CertRecord) error {
	newKey, _ := serialKey(c.Serial)
	oldKey, _ := serialKey(old.Serial)
	if _, err := w.tx.Exec(w.ctx, "UPDATE certs SET renewed_by = $1 WHERE serial = $2", newKey, oldKey); err != nil {
		return err
	}
	if !c.RevokeRenewed {
		return nil
	}
	r := ca.Revocation{Serial: old.Serial, Issuer: old.Issuer, NotAfter: old.NotAfter, RevokedAt: w.p.now().UTC().Truncate(time.Second), Reason: ca.ReasonSuperseded}
	return w.insertRevocation(oldKey, &r)
}

func (w *pgWriter) insertRevocation(key []byte, r *ca.Revocation) error {
	var inv *time.Time
	if !r.InvalidityDate.IsZero() {
		t := r.InvalidityDate.UTC()
		inv = &t
	}
	_, err := w.tx.Exec(w.ctx, "INSERT INTO revocations (serial, issuer, not_after, revoked_at, reason, invalidity_date) VALUES ($1, $2, $3, $4, $5, $6)",
		key, r.Issuer, r.NotAfter.UTC(), r.RevokedAt.UTC(), int(r.Reason), inv)
	return err
}

// Revoke implements ca.Store.
func (p *Postgres) Revoke(ctx context.Context, revs []ca.Revocation) ([]ca.Revocation, error) {
	out := make([]ca.Revocation, len(revs))
	err := p.write(ctx, func(w *pgWriter) error {
		serials := make([]string, len(revs))
		issuers := map[string]bool{}
		for i, r := range revs {
			key, err := serialKey(r.Serial)
			if err != nil {
				return err
			}
			c, err := scanCert(w.tx.QueryRow(ctx, "SELECT "+certCols+certFrom+" WHERE c.serial = $1", key))
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				return fmt.Errorf("%w: serial %s is not in this home (see \"ca list\"); nothing was revoked", ca.ErrNotFound, ca.FormatSerial(r.Serial))
			case err != nil:
				return err
			case c.Revocation != nil:
				return fmt.Errorf("%w: serial %s; nothing was revoked", ca.ErrAlreadyRevoked, ca.FormatSerial(r.Serial))
			}
			r.Issuer, r.NotAfter = c.Issuer, c.NotAfter
			if err := w.insertRevocation(key, &r); err != nil {
				return err
			}
			out[i], serials[i] = r, ca.FormatSerial(r.Serial)
			issuers[c.Issuer] = true
		}
		issuer := "*"
		if len(issuers) == 1 {
			for k := range issuers {
				issuer = k
			}
		}
		return w.audit("revoke", issuer, serials)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Revocations implements ca.Store.
func (p *Postgres) Revocations(ctx context.Context, issuer string, fn func(*ca.Revocation) error) error {
	return p.each(ctx, "read revocations", "SELECT serial, not_after, revoked_at, reason, invalidity_date FROM revocations WHERE issuer = $1 ORDER BY serial",
		[]any{issuer}, func(row pgx.Rows) error {
			r := ca.Revocation{Issuer: issuer}
			var key []byte
			var inv *time.Time
			var reason int
			if err := row.Scan(&key, &r.NotAfter, &r.RevokedAt, &reason, &inv); err != nil {
				return err
			}
			r.Serial, r.Reason = new(big.Int).SetBytes(key), ca.Reason(reason)
			r.NotAfter, r.RevokedAt = r.NotAfter.UTC(), r.RevokedAt.UTC()
			if inv != nil {
				r.InvalidityDate = inv.UTC()
			}
			return fn(&r)
		})
}

// AddCRL implements ca.Store. Writers take turns on the audit head, and
// (issuer, number) is the primary key: of two exporters racing for a
// number, the second finds it taken and gets ca.ErrCRLNumber.
func (p *Postgres) AddCRL(ctx context.Context, crl *ca.CRLRecord) error {
	return p.write(ctx, func(w *pgWriter) error {
		var last int64
		if err := w.tx.QueryRow(ctx, "SELECT coalesce(max(number), 0) FROM crls WHERE issuer = $1", crl.Issuer).Scan(&last); err != nil {
			return err
		}
		if !crl.Number.IsInt64() || crl.Number.Int64() != last+1 {
			return fmt.Errorf("%w: CRL number %s for issuer %s, the last is %d", ca.ErrCRLNumber, crl.Number, crl.Issuer, last)
		}
		tag, err := w.insertCRL(crl, true)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: CRL number %d for issuer %s was taken by another exporter", ca.ErrCRLNumber, last+1, crl.Issuer)
		}
		return w.audit("crl", crl.Issuer, []string{})
	})
}

// insertCRL inserts crl; with ifAbsent a number taken is no row inserted.
func (w *pgWriter) insertCRL(crl *ca.CRLRecord, ifAbsent bool) (pgconn.CommandTag, error) {
	var deltaOf *int64
	if crl.DeltaOf != nil {
		if !crl.DeltaOf.IsInt64() {
			return pgconn.CommandTag{}, fmt.Errorf("%w: CRL %s of %s: base CRL number %s", ca.ErrCRLNumber, crl.Number, crl.Issuer, crl.DeltaOf)
		}
		d := crl.DeltaOf.Int64()
		deltaOf = &d
	}
	var shard *int32
	if crl.Shard != nil {
		v := int32(*crl.Shard)
		shard = &v
	}
	q := "INSERT INTO crls (issuer, number, this_update, next_update, entries, der, delta_of, shard) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
	if ifAbsent {
		q += " ON CONFLICT (issuer, number) DO NOTHING"
	}
	return w.tx.Exec(w.ctx, q, crl.Issuer, crl.Number.Int64(), crl.ThisUpdate.UTC(), crl.NextUpdate.UTC(), crl.Entries, crl.DER, deltaOf, shard)
}

const crlCols = "issuer, number, this_update, next_update, entries, der, delta_of, shard"

func scanCRL(row pgx.Row) (*ca.CRLRecord, error) {
	var rec ca.CRLRecord
	var n int64
	var deltaOf *int64
	var shard *int32
	if err := row.Scan(&rec.Issuer, &n, &rec.ThisUpdate, &rec.NextUpdate, &rec.Entries, &rec.DER, &deltaOf, &shard); err != nil {
		return nil, err
	}
	if shard != nil {
		v := int(*shard)
		rec.Shard = &v
	}
	rec.Number = big.NewInt(n)
	if deltaOf != nil {
		rec.DeltaOf = big.NewInt(*deltaOf)
	}
	rec.ThisUpdate, rec.NextUpdate = rec.ThisUpdate.UTC(), rec.NextUpdate.UTC()
	return &rec, nil
}

// CRLNumber implements ca.Store.
func (p *Postgres) CRLNumber(ctx context.Context, issuer string) (*big.Int, error) {
	var n int64
	if err := p.pool.QueryRow(ctx, "SELECT coalesce(max(number), 0) FROM crls WHERE issuer = $1", issuer).Scan(&n); err != nil {
		return nil, p.fail("read CRL number", err)
	}
	return big.NewInt(n), nil
}

// LastShardCRL implements ca.Store.
func (p *Postgres) LastShardCRL(ctx context.Context, issuer string, shard int) (*ca.CRLRecord, error) {
	rec, err := scanCRL(p.pool.QueryRow(ctx, "SELECT "+crlCols+" FROM crls WHERE issuer = $1 AND shard = $2 ORDER BY number DESC LIMIT 1", issuer, shard))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: issuer %s has exported no CRL of shard %d yet (run \"ca crl export --issuer %s --all-shards --out-dir DIR\")", ca.ErrNotFound, issuer, shard, issuer)
	}
	if err != nil {
		return nil, p.fail("read CRL", err)
	}
	return rec, nil
}

// LastCRL implements ca.Store: the last complete CRL, not a delta nor a shard's.
func (p *Postgres) LastCRL(ctx context.Context, issuer string) (*ca.CRLRecord, error) {
	rec, err := scanCRL(p.pool.QueryRow(ctx, "SELECT "+crlCols+" FROM crls WHERE issuer = $1 AND delta_of IS NULL AND shard IS NULL ORDER BY number DESC LIMIT 1", issuer))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: issuer %s has exported no CRL yet (run \"ca crl export --issuer %s\")", ca.ErrNotFound, issuer, issuer)
	}
	if err != nil {
		return nil, p.fail("read CRL", err)
	}
	return rec, nil
}
