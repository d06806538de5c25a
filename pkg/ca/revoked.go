package ca

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/ca-toolkit/ca/pkg/crl"
)

// RevokedSerials returns every serial revoked in st, across all its
// issuers (intermediates included), keyed by FormatSerial: the lower-case
// hex of the serial's octets, as a TLS server checking client certificates
// looks them up. A serial that an issuer's last CRL lists is in it too,
// even when st has lost its revocation record (see MissingRevocations); a
// last CRL that is not one its issuer signed is an error wrapping
// ErrDamaged. The map is new on every call and is not kept by st.
func RevokedSerials(ctx context.Context, st Store) (map[string]bool, error) {
	issuers, err := st.Issuers(ctx)
	if err != nil {
		return nil, fmt.Errorf("ca: reading the issuers for their revocations: %w", err)
	}
	out := map[string]bool{}
	add := func(r *Revocation) error {
		out[FormatSerial(r.Serial)] = true
		return nil
	}
	for _, iss := range issuers {
		cert, err := x509.ParseCertificate(iss.DER)
		if err != nil {
			return nil, fmt.Errorf("%w: issuer %s: its recorded certificate does not parse (%v); %s", ErrDamaged, iss.Name, err, RestoreHint)
		}
		_, list, err := SignedLastCRL(ctx, st, iss.Name, cert)
		if err != nil {
			return nil, err
		}
		if list == nil {
			err = st.Revocations(ctx, iss.Name, add)
		} else {
			var missing []crl.Entry
			missing, err = missingFrom(ctx, st, iss.Name, list, add)
			for _, e := range missing {
				out[FormatSerial(e.Serial)] = true
			}
		}
		if err != nil {
			return nil, fmt.Errorf("ca: reading the revocations of issuer %s: %w", iss.Name, err)
		}
	}
	return out, nil
}

// CheckNotRevoked refuses (ErrRefused) when the issuer's certificate, or
// one of its parents', is revoked in its store: a CA whose key may be
// compromised issues nothing more, and what it would issue could not
// verify anyway. Commands that sign certificates call it with the store
// held for writing; a revoked CA still signs its CRLs.
func (i *Issuer) CheckNotRevoked(ctx context.Context) error {
	return CheckNotRevoked(ctx, i.store, i.name, i.Chain())
}

// CheckNotRevoked is Issuer.CheckNotRevoked for the issuer of that name
// whose certificate and parents are chain, looked up in st (for a judge,
// which has no store of its own).
func CheckNotRevoked(ctx context.Context, st Store, issuer string, chain []*x509.Certificate) error {
	for k, c := range chain {
		rec, err := st.Certificate(ctx, c.SerialNumber)
		if errors.Is(err, ErrNotFound) && k > 0 {
			continue // a parent the store does not hold (an outside root) cannot be revoked in it
		}
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("ca: issuer %s's own certificate (serial %s) is not recorded in the store, so its revocation cannot be known; run \"ca store check\": a store that lost the record is damaged (restore it from a backup, see docs/operations.md), a home whose issuers/ came from another store needs that store",
				issuer, FormatSerial(c.SerialNumber))
		}
		if err != nil {
			return fmt.Errorf("ca: reading issuer %s's certificate: %w", issuer, err)
		}
		if r := rec.Revocation; r != nil {
			whose := "issuer " + issuer
			if k > 0 {
				whose = fmt.Sprintf("%s (serial %s), above issuer %s,", c.Subject, FormatSerial(c.SerialNumber), issuer)
			}
			return fmt.Errorf("%w: %s was revoked on %s (reason %s): it signs nothing more; create a new intermediate under a good issuer",
				ErrRefused, whose, r.RevokedAt.UTC().Format(time.RFC3339), r.Reason)
		}
	}
	return nil
}
