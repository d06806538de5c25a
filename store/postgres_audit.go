package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// AuditRecords calls fn for each audit record in order, until fn returns an error.
func (p *Postgres) AuditRecords(fn func(*ca.AuditRecord) error) error {
	return p.each(context.Background(), "read the audit log", "SELECT seq, record FROM audit ORDER BY seq", nil, func(row pgx.Rows) error {
		var seq int64
		var v []byte
		if err := row.Scan(&seq, &v); err != nil {
			return err
		}
		var rec ca.AuditRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("%w: audit record %d: %v", ErrCorrupt, seq, err)
		}
		return fn(&rec)
	})
}

// pgSnapshot runs fn in one read-only repeatable-read transaction.
func (p *Postgres) pgSnapshot(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := p.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return p.fail("begin", err)
	}
	defer tx.Rollback(context.Background())
	if err := fn(tx); err != nil {
		return p.fail("", err)
	}
	return nil
}

// VerifyAudit is Bolt's VerifyAudit on this store: the chain, the
// agreement of the log and the tables both ways, and the anchor.
func (p *Postgres) VerifyAudit(anchor string) (AuditSummary, error) {
	var s AuditSummary
	err := p.pgSnapshot(context.Background(), func(tx pgx.Tx) error {
		var err error
		s, err = p.verifyIn(tx, anchor)
		return err
	})
	if err != nil {
		return s, fmt.Errorf("store: verify audit: %w", err)
	}
	return auditVerdict(s, anchor)
}

// verifyIn walks the chain and checks coverage within tx.
func (p *Postgres) verifyIn(tx pgx.Tx, anchor string) (AuditSummary, error) {
	ctx := context.Background()
	w := &chainWalk{anchor: anchor}
	log := &auditLog{serials: map[string]audited{}, issuers: map[string]uint64{}, crls: map[string]int{}}
	rows, err := tx.Query(ctx, "SELECT seq, record FROM audit ORDER BY seq")
	if err != nil {
		return w.s, err
	}
	for rows.Next() {
		var seq int64
		var v []byte
		if err := rows.Scan(&seq, &v); err != nil {
			rows.Close()
			return w.s, err
		}
		w.add([]byte(fmt.Sprint(seq)), uint64(seq), true, v)
		var rec ca.AuditRecord
		if json.Unmarshal(v, &rec) == nil {
			log.note(&rec)
		}
	}
	if err := rows.Err(); err != nil {
		return w.s, err
	}
	var head struct {
		seq  int64
		hash string
	}
	if err := tx.QueryRow(ctx, "SELECT seq, hash FROM audit_head").Scan(&head.seq, &head.hash); err != nil {
		return w.s, err
	}
	if uint64(head.seq) != uint64(w.s.Records) || head.hash != w.s.Head {
		w.s.Problems = append(w.s.Problems, fmt.Sprintf("the audit head (record %d) is not the last record of the chain (record %d): records were removed or added behind the toolkit's back", head.seq, w.s.Records))
	}
	problems, err := pgCoverage(ctx, tx, log)
	w.s.Problems = append(w.s.Problems, problems...)
	return w.s, err
}

// note is readAuditLog's step for one record.
func (l *auditLog) note(rec *ca.AuditRecord) {
	switch rec.Action {
	case "issue", "add-issuer", "renew-issuer", "revoke":
		l.addSerials(rec)
		if _, seen := l.issuers[rec.Issuer]; rec.Action == "add-issuer" && !seen {
			l.issuers[rec.Issuer] = rec.Seq
		}
	case "crl":
		l.crls[rec.Issuer]++
	}
}

// pgCoverage is auditCoverage on the tables.
func pgCoverage(ctx context.Context, tx pgx.Tx, log *auditLog) ([]string, error) {
	r := &coverageReport{}
	mark := func(table string, revoked bool) error {
		rows, err := tx.Query(ctx, "SELECT serial FROM "+table)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k []byte
			if err := rows.Scan(&k); err != nil {
				return err
			}
			r.markSerial(log, serialOfKey(k), revoked)
		}
		return rows.Err()
	}
	if err := mark("certs", false); err != nil {
		return nil, err
	}
	if err := mark("revocations", true); err != nil {
		return nil, err
	}
	names, err := pgStrings(ctx, tx, "SELECT name FROM issuers ORDER BY name")
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
		if _, ok := log.issuers[n]; !ok {
			r.report(&r.unloggedN, "issuer %s has no audit record", n)
		}
	}
	if r.unloggedN > 10 {
		r.problems = append(r.problems, fmt.Sprintf("%d more changes have no audit record", r.unloggedN-10))
	}
	r.deletedSerials(log)
	for name, seq := range log.issuers {
		if !have[name] {
			r.report(&r.deletedN, "issuer %s (audit record %d) is missing from the store: it was deleted behind the toolkit's back; %s", name, seq, restore)
		}
	}
	return r.problems, pgCRLCoverage(ctx, tx, log, r)
}

// markSerial is unlogged's step for one certificate or revocation.
func (r *coverageReport) markSerial(log *auditLog, s string, revoked bool) {
	a, ok := log.serials[s]
	switch {
	case revoked && (!ok || a.revokeSeq == 0):
		r.report(&r.unloggedN, "the revocation of %s has no audit record", s)
	case !revoked && (!ok || a.issueSeq == 0):
		r.report(&r.unloggedN, "certificate %s has no audit record", s)
	}
	if ok {
		if revoked {
			a.haveRevoked = true
		} else {
			a.haveCert = true
		}
		log.serials[s] = a
	}
}

// pgCRLCoverage reports issuers whose CRLs and crl audit records differ in
// number, and CRL numbers that do not run 1, 2, 3 ...
func pgCRLCoverage(ctx context.Context, tx pgx.Tx, log *auditLog, r *coverageReport) error {
	rows, err := tx.Query(ctx, "SELECT issuer, count(*), max(number) FROM crls GROUP BY issuer ORDER BY issuer")
	if err != nil {
		return err
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var issuer string
		var n, maxN int64
		if err := rows.Scan(&issuer, &n, &maxN); err != nil {
			return err
		}
		seen[issuer] = true
		if int(n) != log.crls[issuer] {
			r.problems = append(r.problems, fmt.Sprintf("issuer %s has %d CRLs but %d crl audit records", issuer, n, log.crls[issuer]))
		}
		if n != maxN {
			r.problems = append(r.problems, fmt.Sprintf("issuer %s has %d CRLs numbered up to %d: numbers are missing", issuer, n, maxN))
		}
	}
	for name, n := range log.crls {
		if !seen[name] {
			r.problems = append(r.problems, fmt.Sprintf("issuer %s has 0 CRLs but %d crl audit records: they were deleted behind the toolkit's back; %s", name, n, restore))
		}
	}
	return rows.Err()
}

func pgStrings(ctx context.Context, tx pgx.Tx, query string) ([]string, error) {
	rows, err := tx.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Check checks the store: the audit chain and its agreement with the tables
// (VerifyAudit), that every issuer's certificate is recorded and every
// recorded policy and set of issuer URLs parses; the
// schema's constraints keep the rest (unique serials, revocations of
// recorded certificates, one CRL per number). It returns every problem
// found; none means consistent.
func (p *Postgres) Check() []error {
	var problems []error
	err := p.pgSnapshot(context.Background(), func(tx pgx.Tx) error {
		s, err := p.verifyIn(tx, "")
		if err != nil {
			return err
		}
		for _, pr := range s.Problems {
			problems = append(problems, fmt.Errorf("%s", pr))
		}
		missing, err := pgStrings(context.Background(), tx, "SELECT i.name FROM issuers i LEFT JOIN certs c ON c.serial = i.serial WHERE c.serial IS NULL ORDER BY i.name")
		for _, name := range missing {
			problems = append(problems, fmt.Errorf("issuer %s: its certificate is not recorded", name))
		}
		if err != nil {
			return err
		}
		bad, err := pgRecordProblems(tx)
		problems = append(problems, bad...)
		return err
	})
	if err != nil {
		problems = append(problems, err)
	}
	return problems
}

// Counts returns how many records of each kind the store holds.
func (p *Postgres) Counts() (Counts, error) {
	var c Counts
	err := p.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM certs), (SELECT count(*) FROM revocations),
		(SELECT count(*) FROM crls), (SELECT count(*) FROM audit), (SELECT count(*) FROM issuers)`).
		Scan(&c.Certificates, &c.Revocations, &c.CRLs, &c.AuditRecords, &c.Issuers)
	if err != nil {
		return c, p.fail("count records", err)
	}
	return c, nil
}
