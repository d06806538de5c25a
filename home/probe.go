package home

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"strings"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/tlsendpoint"
)

// ProbeRoots returns the roots "ca probe" verifies a server with: the
// certificate of issuer, else every root of the home, else nil (the
// system's) when there is no home and no issuer was named.
func (h *Home) ProbeRoots(ctx context.Context, issuer string) (*x509.CertPool, error) {
	if issuer == "" && !h.HasStore() {
		return nil, nil
	}
	hier, err := h.Hierarchy(ctx)
	if err != nil {
		return nil, err
	}
	if issuer == "" {
		roots, _ := hier.Pools()
		return roots, nil
	}
	if _, err := hier.Get(issuer); err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(hier.Certificate(issuer))
	return pool, nil
}

// ProbeRevocation is "ca probe"'s revocation check, in SPEC.md's order: the
// home's store (when it recorded the very certificate), a CRL given (DER or
// a URL), else the certificate's OCSP responder, else its CRL distribution
// point. Source says which answered.
type ProbeRevocation struct {
	// CRL is a CRL given as a file (DER), CRLURL one to fetch, CRLName how
	// to name the file in Source.
	CRL     []byte
	CRLURL  string
	CRLName string
	// Roots verify a CRL fetched over HTTPS (nil: the system's).
	Roots *x509.CertPool
	// Source says where the answer came from: "none", "store PATH",
	// "CRL X", "OCSP URL".
	Source string

	h *Home
}

// NewProbeRevocation returns the revocation check of probe for this home.
func (h *Home) NewProbeRevocation() *ProbeRevocation {
	return &ProbeRevocation{h: h, Source: "none"}
}

// Check is a tlsendpoint.ProbeConfig.CheckRevocation.
func (p *ProbeRevocation) Check(ctx context.Context, leaf, issuer *x509.Certificate) (tlsendpoint.Revocation, error) {
	if p.h.HasStore() {
		rev, known, err := p.fromStore(ctx, leaf)
		if known || err != nil {
			return rev, err
		}
	}
	der, url := p.CRL, p.CRLURL
	if der == nil && url == "" && issuer != nil {
		if u := firstHTTP(leaf.OCSPServer); u != "" {
			p.Source = "OCSP " + u
			return tlsendpoint.CheckOCSP(ctx, u, leaf, issuer, p.Roots, p.h.cfg.Now())
		}
	}
	if der == nil && url == "" {
		for _, u := range leaf.CRLDistributionPoints {
			if strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
				url = u
				break
			}
		}
	}
	if der == nil && url == "" {
		return tlsendpoint.RevocationUnchecked, nil
	}
	p.Source = "CRL " + p.CRLName
	if url != "" {
		p.Source = "CRL " + url
		var err error
		if der, err = tlsendpoint.FetchCRL(ctx, url, p.Roots); err != nil {
			return tlsendpoint.RevocationUnchecked, err
		}
	}
	if issuer == nil {
		return tlsendpoint.RevocationUnchecked, errors.New("the server sent no issuer to check the CRL with")
	}
	return tlsendpoint.CheckCRL(der, leaf, issuer, p.h.cfg.Now())
}

// firstHTTP returns the first http or https URL of urls, or "".
func firstHTTP(urls []string) string {
	for _, u := range urls {
		if strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
			return u
		}
	}
	return ""
}

// fromStore looks leaf up in the home's store; known is false when the
// store did not record this very certificate. The leaf is revoked also when
// its issuer, or any issuer above it, is revoked in the store.
func (p *ProbeRevocation) fromStore(ctx context.Context, leaf *x509.Certificate) (rev tlsendpoint.Revocation, known bool, err error) {
	st, err := p.h.OpenStoreRead()
	if err != nil {
		return tlsendpoint.RevocationUnchecked, false, err
	}
	defer st.Close()
	lookup := func(c *x509.Certificate) (*ca.CertRecord, error) {
		rec, err := st.Certificate(ctx, c.SerialNumber)
		switch {
		case errors.Is(err, ca.ErrNotFound) || (err == nil && !bytes.Equal(rec.DER, c.Raw)):
			return nil, nil
		case err != nil:
			return nil, err
		}
		return rec, nil
	}
	rec, err := lookup(leaf)
	if rec == nil || err != nil {
		return tlsendpoint.RevocationUnchecked, false, err
	}
	p.Source = "store " + p.h.StoreName()
	if rec.Revocation != nil {
		return tlsendpoint.RevocationRevoked, true, nil
	}
	hier, err := ca.LoadHierarchy(ctx, st)
	if err != nil {
		return tlsendpoint.RevocationUnchecked, false, err
	}
	for _, c := range hier.Chain(rec.Issuer) {
		if irec, err := lookup(c); err != nil || (irec != nil && irec.Revocation != nil) {
			return tlsendpoint.RevocationRevoked, true, err
		}
	}
	return tlsendpoint.RevocationGood, true, nil
}
