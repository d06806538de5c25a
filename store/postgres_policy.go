package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// putPolicy records policy for the issuer name.
func (w *pgWriter) putPolicy(name string, policy []byte) error {
	_, err := w.tx.Exec(w.ctx, "INSERT INTO issuer_policies (issuer, policy) VALUES ($1, $2) ON CONFLICT (issuer) DO UPDATE SET policy = EXCLUDED.policy", name, policy)
	return err
}

// SetPolicy implements ca.Store.
func (p *Postgres) SetPolicy(ctx context.Context, name string, policy []byte, adopt bool) error {
	if len(policy) == 0 {
		return fmt.Errorf("%w: an empty policy for issuer %q", ca.ErrUsage, name)
	}
	return p.write(ctx, func(w *pgWriter) error {
		if ok, err := w.issuerExists(name); err != nil || !ok {
			return cmp.Or(err, fmt.Errorf("%w: issuer %q", ca.ErrNotFound, name))
		}
		if adopt {
			// The transaction holds the audit head: no other writer records
			// one between this check and the insert.
			var n int
			if err := w.tx.QueryRow(ctx, "SELECT count(*) FROM issuer_policies WHERE issuer = $1", name).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("%w: a policy is recorded for issuer %q", ca.ErrExists, name)
			}
		}
		if err := w.putPolicy(name, policy); err != nil {
			return err
		}
		return w.audit(policyAction(adopt), name, []string{})
	})
}

// Policy implements ca.Store.
func (p *Postgres) Policy(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := p.pool.QueryRow(ctx, "SELECT u.policy FROM issuers i LEFT JOIN issuer_policies u ON u.issuer = i.name WHERE i.name = $1", name).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: issuer %q", ca.ErrNotFound, name)
	}
	if err != nil {
		return nil, p.fail("read the policy", err)
	}
	return v, nil
}

// pgRecordProblems returns the problem of each recorded policy that is no
// policy (policyProblem) and each set of issuer URLs that is damaged
// (urlsProblem).
func pgRecordProblems(tx pgx.Tx) ([]error, error) {
	var problems []error
	for _, q := range []struct {
		sql   string
		check func(name string, v []byte) error
	}{
		{"SELECT issuer, policy FROM issuer_policies ORDER BY issuer", policyProblem},
		{"SELECT issuer, urls FROM issuer_urls ORDER BY issuer", func(name string, v []byte) error { _, err := urlsProblem(name, v); return err }},
	} {
		rows, err := tx.Query(context.Background(), q.sql)
		if err != nil {
			return problems, err
		}
		var name string
		var v []byte
		if _, err := pgx.ForEachRow(rows, []any{&name, &v}, func() error {
			if err := q.check(name, v); err != nil {
				problems = append(problems, err)
			}
			return nil
		}); err != nil {
			return problems, err
		}
	}
	return problems, nil
}
