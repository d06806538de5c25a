package home

import (
	"context"
	"crypto/x509"
	"fmt"
	"math/big"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// DescribeCertificate describes the certificate with serial and its record
// ("ca show SERIAL") at the home's clock.
func (h *Home) DescribeCertificate(ctx context.Context, serial *big.Int) (*ca.CertificateInfo, error) {
	rec, err := h.Record(ctx, serial)
	if err != nil {
		return nil, err
	}
	return ca.DescribeRecord(rec, h.cfg.Now())
}

// CertificateChain returns the certificate with serial and, when withChain,
// the intermediates above it (not the root), nearest first: those of its
// issuer, or for an issuer's own certificate those of its parent.
func (h *Home) CertificateChain(ctx context.Context, serial *big.Int, withChain bool) (*x509.Certificate, []*x509.Certificate, error) {
	st, err := h.OpenStoreRead()
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	rec, err := st.Certificate(ctx, serial)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(rec.DER)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: certificate %s: its stored DER does not parse (%v); %s", ca.ErrDamaged, ca.FormatSerial(serial), err, ca.RestoreHint)
	}
	if !withChain || rec.Issuer == "" {
		return cert, nil, nil
	}
	set, err := ca.LoadHierarchy(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	if ir, err := set.Get(rec.Issuer); err == nil && ir.Serial != nil && ir.Serial.Cmp(serial) == 0 {
		// The serial is an issuer's own certificate: its intermediates are its parents.
		return cert, set.Intermediates(ir.Parent), nil
	}
	return cert, set.Intermediates(rec.Issuer), nil
}

// IntermediatesOf returns the intermediates (not the root) above cert, a
// certificate one of the home's issuers signed, nearest first;
// ca.ErrNotFound when none did. name names cert (its file) in messages.
func (h *Home) IntermediatesOf(ctx context.Context, cert *x509.Certificate, name string) ([]*x509.Certificate, error) {
	set, err := h.Hierarchy(ctx)
	if err != nil {
		return nil, err
	}
	if r := set.SignerOf(cert); r != nil {
		return set.Intermediates(r.Name), nil
	}
	return nil, fmt.Errorf("%w: no issuer of this home signed %s; export it without --chain", ca.ErrNotFound, name)
}

// List calls fn with each certificate of the store that q selects ("ca
// list", ca.List), with the store open read-only, and closes it before
// returning; it returns the revocations the store lost that the issuers'
// last CRLs list, for the caller to report.
func (h *Home) List(ctx context.Context, q ca.ListQuery, fn func(*ca.ListEntry) error) ([]ca.CRLRevocation, error) {
	st, err := h.OpenStoreRead()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	lost, err := ca.List(ctx, st, q, fn)
	if err != nil {
		return nil, err
	}
	return lost, st.Close()
}

// DescribeSerial describes the certificate whose serial is arg, a
// command's FILE|SERIAL argument that named no file ("ca show"): an arg
// that is no serial either is ca.ErrNotFound, said before home, which
// gives the home, is asked for.
func DescribeSerial(ctx context.Context, home func() *Home, arg string) (*ca.CertificateInfo, error) {
	serial, err := ca.ParseSerial(arg)
	if err != nil {
		return nil, fmt.Errorf("%w: %q is neither a file nor a serial", ca.ErrNotFound, arg)
	}
	return home().DescribeCertificate(ctx, serial)
}
