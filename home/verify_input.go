package home

import (
	"context"
	"crypto/x509"
	"io"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/verify"
)

// ReadLeafFile reads the certificate of the file path ("-" is stdin), which
// may hold its chain after it (ca.ParseCertificateFile): the certificate
// "ca verify FILE" verifies. A path that is no regular file wraps
// verify.ErrMalformed (verify.ReadFile).
func ReadLeafFile(stdin io.Reader, path string) (*x509.Certificate, error) {
	data, err := verify.ReadFile(stdin, path, "certificate")
	if err != nil {
		return nil, err
	}
	return ca.ParseCertificateFile(path, data)
}

// Verify verifies cert against the home at its clock (ca.Verify); issuer,
// when not "", must be an issuer of the home (else ca.ErrNotFound) that
// signed it directly. The error is for a store that could not be read or
// an unknown issuer; a certificate that is not good is a Verification
// with its Status and Detail.
func (h *Home) Verify(ctx context.Context, cert *x509.Certificate, issuer string) (*ca.Verification, error) {
	st, err := h.OpenStoreRead()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if issuer != "" {
		if _, err := st.Issuer(ctx, issuer); err != nil {
			return nil, err
		}
	}
	return ca.Verify(ctx, st, cert, ca.VerifyOptions{Issuer: issuer, Now: h.cfg.Now()})
}
