package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// ReplaceIssuerCert implements ca.Store as Bolt does: it records cert, the
// renewal of the issuer's certificate, links the two, points the issuer's
// row at cert and audits it ("renew-issuer"), in one transaction.
func (p *Postgres) ReplaceIssuerCert(ctx context.Context, name string, cert *ca.CertRecord) error {
	return p.write(ctx, func(w *pgWriter) error {
		rec, err := scanIssuer(w.tx.QueryRow(ctx, "SELECT "+issuerCols+" FROM issuers WHERE name = $1 FOR UPDATE", name))
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("%w: issuer %q", ca.ErrNotFound, name)
		case err != nil:
			return err
		}
		if err := checkIssuerRenewal(rec, cert); err != nil {
			return err
		}
		old, err := w.checkRenewal(cert)
		if err != nil {
			return err
		}
		if err := w.insertCert(cert); err != nil {
			return err
		}
		if err := w.linkRenewal(cert, old); err != nil {
			return err
		}
		serial, err := serialKey(cert.Serial)
		if err != nil {
			return err
		}
		if _, err := w.tx.Exec(ctx, "UPDATE issuers SET serial = $1, der = $2 WHERE name = $3", serial, cert.DER, name); err != nil {
			return err
		}
		return w.audit("renew-issuer", name, []string{ca.FormatSerial(cert.Serial)})
	})
}
