package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// putURLs records urls for the issuer name; zero URLs delete the record.
func (w *pgWriter) putURLs(name string, urls ca.IssuerURLs) error {
	if urls.IsZero() {
		_, err := w.tx.Exec(w.ctx, "DELETE FROM issuer_urls WHERE issuer = $1", name)
		return err
	}
	v, err := json.Marshal(urls)
	if err != nil {
		return err
	}
	_, err = w.tx.Exec(w.ctx, "INSERT INTO issuer_urls (issuer, urls) VALUES ($1, $2) ON CONFLICT (issuer) DO UPDATE SET urls = EXCLUDED.urls", name, v)
	return err
}

// SetIssuerURLs implements ca.Store.
func (p *Postgres) SetIssuerURLs(ctx context.Context, name string, urls ca.IssuerURLs) error {
	return p.write(ctx, func(w *pgWriter) error {
		if ok, err := w.issuerExists(name); err != nil || !ok {
			return cmp.Or(err, fmt.Errorf("%w: issuer %q", ca.ErrNotFound, name))
		}
		if err := w.putURLs(name, urls); err != nil {
			return err
		}
		return w.audit("issuer-urls", name, []string{})
	})
}

// IssuerURLs implements ca.Store.
func (p *Postgres) IssuerURLs(ctx context.Context, name string) (ca.IssuerURLs, error) {
	var urls ca.IssuerURLs
	var v []byte
	err := p.pool.QueryRow(ctx, "SELECT u.urls FROM issuers i LEFT JOIN issuer_urls u ON u.issuer = i.name WHERE i.name = $1", name).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return urls, fmt.Errorf("%w: issuer %q", ca.ErrNotFound, name)
	}
	if err != nil {
		return urls, p.fail("read issuer URLs", err)
	}
	if v != nil {
		return decodeURLs(name, v)
	}
	return urls, nil
}

// Version returns the sequence number of the last audit record: it grows
// with every change (as Bolt.Version).
func (p *Postgres) Version() (uint64, error) {
	var v int64
	if err := p.pool.QueryRow(context.Background(), "SELECT coalesce(max(seq), 0) FROM audit").Scan(&v); err != nil {
		return 0, p.fail("read the audit head", err)
	}
	return uint64(v), nil
}
