package home

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/tlsendpoint"
)

// OCSPStapler returns the tlsendpoint.ServerConfig.OCSPStaple of "ca serve
// --ocsp-staple": it asks the OCSP responder that cert's leaf names (its
// first http(s) AIA OCSP URL) about it, checking the answer against the
// leaf's issuer (the chain's second certificate; roots verify an https
// responder). A leaf without a responder, or a chain without its issuer,
// is refused (ca.ErrRefused).
func OCSPStapler(cert tls.Certificate, roots *x509.CertPool, now func() time.Time) (func(context.Context) (tlsendpoint.Staple, error), error) {
	leaf := cert.Leaf
	url := firstHTTP(leaf.OCSPServer)
	if url == "" {
		return nil, fmt.Errorf("%w: --ocsp-staple: the server certificate names no OCSP responder; give its issuer one (ca issuer urls --ocsp-url) and run ca publish", ca.ErrRefused)
	}
	if len(cert.Certificate) < 2 {
		return nil, fmt.Errorf("%w: --ocsp-staple: the chain has no issuer of the server certificate to check answers with", ca.ErrRefused)
	}
	issuer, err := x509.ParseCertificate(cert.Certificate[1])
	if err != nil {
		return nil, fmt.Errorf("--ocsp-staple: the chain's issuer: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return func(ctx context.Context) (tlsendpoint.Staple, error) {
		der, r, err := tlsendpoint.FetchOCSP(ctx, url, leaf, issuer, roots, now())
		if err != nil {
			return tlsendpoint.Staple{}, err
		}
		if r.Status == ocsp.Unknown { // not worth stapling: ask again soon
			return tlsendpoint.Staple{}, fmt.Errorf("OCSP %s does not know the certificate (yet)", url)
		}
		return tlsendpoint.Staple{DER: der, NextUpdate: r.NextUpdate}, nil
	}, nil
}
