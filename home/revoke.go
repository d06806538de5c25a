package home

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"math/big"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// Revoke revokes serials and the certificates certs, all in one
// transaction or none (ca.Revoke): reason, and an invalidity date that may
// be zero. A certificate given as a file must be the one the home recorded
// under its serial, so that a file never revokes another certificate.
func (h *Home) Revoke(ctx context.Context, serials []*big.Int, certs []*x509.Certificate, reason ca.Reason, invalidity time.Time) ([]ca.Revocation, error) {
	st, err := h.OpenStore()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	for _, c := range certs {
		rec, err := st.Certificate(ctx, c.SerialNumber)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(rec.DER, c.Raw) {
			return nil, fmt.Errorf("%w: the certificate %s is not the one this home recorded with serial %s; nothing was revoked",
				ca.ErrNotFound, ca.Printable(c.Subject.String()), ca.FormatSerial(c.SerialNumber))
		}
		serials = append(serials, c.SerialNumber)
	}
	return ca.Revoke(ctx, st, serials, reason, invalidity, h.cfg.Now())
}
