package home

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"

	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/tlsendpoint"
)

// Probe runs "ca probe": it verifies the server with r.CAFile's
// certificates, else the home's (ProbeRoots), offers r.CertFile and
// r.KeyFile (the key opened with openKey), checks revocation with the
// home's ProbeRevocation (r.CRL a URL or a file read here) and probes the
// server. home gives the home, asked for only once --ca and the client
// certificate have been read. An address or request that
// tlsendpoint.Probe refuses is ca.ErrUsage; a server that fails the probe
// is no error: the report says so, and its Unexpected says whether that
// was expected.
func Probe(ctx context.Context, home func() *Home, r *ProbeRequest, openKey OpenKeyFunc) (*ProbeReport, error) {
	cfg := r.ProbeConfig
	var err error
	if cfg.RootCAs, err = probeRoots(ctx, home, r); err != nil {
		return nil, err
	}
	if r.CertFile != "" {
		kp, err := ReadTLSKeyPair(r.CertFile, r.KeyFile, openKey)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{kp}
	}
	h := home()
	cfg.Now = h.cfg.Now
	rc, err := h.probeRevocation(r.CRL)
	if err != nil {
		return nil, err
	}
	rc.Roots = cfg.RootCAs
	cfg.CheckRevocation = rc.Check
	res, err := tlsendpoint.Probe(ctx, cfg)
	if err != nil {
		return nil, usageErr{err}
	}
	return &ProbeReport{Result: res, Source: rc.Source, Resume: r.Resume, Expect: r.Expect}, nil
}

// probeRoots returns the roots to verify the server with: r.CAFile's
// certificates, else the home's (ProbeRoots).
func probeRoots(ctx context.Context, home func() *Home, r *ProbeRequest) (*x509.CertPool, error) {
	if r.CAFile == "" {
		return home().ProbeRoots(ctx, r.Issuer)
	}
	return ReadCertPool(r.CAFile)
}

// probeRevocation is the home's revocation check with crl: a URL, or a
// file read here.
func (h *Home) probeRevocation(crl string) (*ProbeRevocation, error) {
	rc := h.NewProbeRevocation()
	rc.CRLName = crl
	switch {
	case strings.HasPrefix(crl, "http://"), strings.HasPrefix(crl, "https://"):
		rc.CRLURL = crl
	case crl != "":
		f, err := os.Open(crl)
		if err != nil {
			return nil, fmt.Errorf("read CRL: %w", err)
		}
		data, err := pem.ReadAll(f, pem.MaxCRLSize)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("--crl %s: %w", crl, err)
		}
		if rc.CRL, _, err = pem.Decode(data, pem.MaxCRLSize, pem.TypeCRL); err != nil {
			return nil, fmt.Errorf("--crl %s: %w", crl, err)
		}
	}
	return rc, nil
}

// Scan runs "ca probe --scan" with f (ProbeFlags.ScanConfig): what the
// server accepts. An address that tlsendpoint.Scan refuses is
// ca.ErrUsage; a server that accepts nothing is no error (no Versions).
func Scan(ctx context.Context, f ProbeFlags) (*tlsendpoint.ScanResult, error) {
	cfg, err := f.ScanConfig()
	if err != nil {
		return nil, err
	}
	res, err := tlsendpoint.Scan(ctx, cfg)
	if err != nil {
		return nil, usageErr{err}
	}
	return res, nil
}
