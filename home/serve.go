package home

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/store"
)

// ServeRefreshTimeout bounds how long the TLS test endpoint waits for the
// store when it refreshes its revocation set or reads the CRL: a writer
// holding the store longer only delays the refresh.
const ServeRefreshTimeout = 500 * time.Millisecond

// ServeOptions say what the TLS test endpoint serves.
type ServeOptions struct {
	// Issuer of the server certificate ("": the issuer that signed Cert,
	// else the default issuer).
	Issuer string
	// Cert is the certificate to serve with its key; nil issues one.
	Cert *tls.Certificate
	// The certificate to issue when Cert is nil: its names, key type, validity.
	DNSNames []string
	IPs      []net.IP
	KeyType  pem.KeyType
	Validity time.Duration
}

// ServeSetup is everything the endpoint takes from the home at start; the
// store is closed once it is made, and read again briefly by Revoked and CRL.
type ServeSetup struct {
	Certificate          tls.Certificate // leaf and intermediates, with the key
	Roots, Intermediates *x509.CertPool
	Issuer               string // whose CRL CRL serves
	CAFile               string // the root's cert.pem, for clients to trust
	CAPEM                []byte
	CRL                  func(ctx context.Context) ([]byte, error) // nil: none
	Revoked              func(ctx context.Context) (map[string]bool, error)
	Warning              string // something the user should know; "" if none
}

// PrepareServe reads the home for the TLS test endpoint, then (when it
// must issue the server certificate or export a first CRL) opens the store
// for writing; the store is closed again before it returns.
func (h *Home) PrepareServe(ctx context.Context, o ServeOptions) (*ServeSetup, error) {
	hier, rec, hasCRL, err := h.serveIssuer(ctx, o)
	if err != nil {
		return nil, err
	}
	s := &ServeSetup{Issuer: rec.Name, Revoked: h.revokedSerials}
	s.Roots, s.Intermediates = hier.Pools()
	root := hier.RootOf(rec.Name)
	if root == nil {
		return nil, fmt.Errorf("serve: issuer %s has no root in the store; run \"ca store check\"", rec.Name)
	}
	s.CAFile = h.IssuerFile(root.Name, FileCert)
	if err := h.CheckIssuerCert(root); err != nil { // the file serve tells clients to trust
		return nil, fmt.Errorf("%w; run \"ca store check\" and restore the file from a backup", err)
	}
	s.CAPEM = pem.Encode(pem.TypeCertificate, hier.Certificate(root.Name).Raw)
	if o.Cert == nil || !hasCRL {
		if err := h.issueForServe(ctx, o, s, hasCRL); err != nil {
			return nil, err
		}
		hasCRL = s.Warning == ""
	}
	if o.Cert != nil {
		s.Certificate = completeChain(*o.Cert, s.Roots, s.Intermediates)
	}
	if hasCRL {
		s.CRL = h.latestCRL(rec.Name)
	}
	return s, nil
}

// serveIssuer finds the issuer of the served certificate: o.Issuer, else
// the home's issuer that signed o.Cert, else the default issuer; and
// whether it has exported a CRL.
func (h *Home) serveIssuer(ctx context.Context, o ServeOptions) (*ca.Hierarchy, *ca.IssuerRecord, bool, error) {
	st, err := h.OpenStoreRead()
	if err != nil {
		return nil, nil, false, err
	}
	defer st.Close()
	hier, err := ca.LoadHierarchy(ctx, st)
	if err != nil {
		return nil, nil, false, err
	}
	var rec *ca.IssuerRecord
	if o.Issuer == "" && o.Cert != nil {
		rec = hier.SignerOf(o.Cert.Leaf)
	}
	if rec == nil {
		if rec, err = hier.Resolve(o.Issuer); err != nil {
			return nil, nil, false, err
		}
	}
	_, crlErr := st.LastCRL(ctx, rec.Name)
	return hier, rec, crlErr == nil, nil
}

// issueForServe opens the store for writing and, without a certificate,
// issues and records the server certificate; it exports the issuer's first
// CRL when there is none. With a certificate, an issuer key that cannot be
// opened is no error: there is no CRL then, and s.Warning says why.
func (h *Home) issueForServe(ctx context.Context, o ServeOptions, s *ServeSetup, hasCRL bool) error {
	iss, err := h.LoadIssuer(ctx, s.Issuer)
	if err != nil && o.Cert != nil && !errors.Is(err, store.ErrLocked) && !errors.Is(err, pem.ErrNotRegularInput) {
		s.Warning = fmt.Sprintf("issuer %s has no exported CRL and its key could not be opened (%s); /crl answers 404 (run \"ca crl export --issuer %s\" and start serve again)", s.Issuer, ca.Printable(err.Error()), s.Issuer)
		return nil
	}
	if err != nil {
		return err
	}
	defer iss.Close()
	if o.Cert == nil {
		if err := iss.CheckNotRevoked(ctx); err != nil {
			return err
		}
		if s.Certificate, err = issueServeCert(ctx, iss, o); err != nil {
			return err
		}
	}
	if !hasCRL {
		// NextUpdate 0: 7 days, or less when the issuer ends sooner.
		if _, err := iss.CreateCRL(ctx, ca.CRLOptions{}); err != nil {
			return fmt.Errorf("serve: export the first CRL of issuer %s: %w", s.Issuer, err)
		}
	}
	return nil
}

// issueServeCert issues and records the endpoint's own server certificate
// with a new key that never leaves memory. A validity past the issuer's
// end is refused, as for every certificate.
func issueServeCert(ctx context.Context, iss *Issuer, o ServeOptions) (tls.Certificate, error) {
	key, err := pem.GenerateKey(o.KeyType)
	if err != nil {
		return tls.Certificate{}, err
	}
	cn := ""
	if len(o.DNSNames) > 0 {
		cn = o.DNSNames[0]
	} else if len(o.IPs) > 0 {
		cn = o.IPs[0].String()
	}
	subject := iss.Policy.FillMatch(pkix.Name{CommonName: cn}, iss.Certificate().Subject)
	req := csr.Request{Subject: subject.ToRDNSequence(), DNSNames: o.DNSNames, IPAddresses: o.IPs, PublicKey: key.Public()}
	issued, err := iss.Issue(ctx, req, ca.SignOptions{Profile: ca.ProfileServer, Validity: o.Validity})
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("serve: issue the server certificate: %w", err)
	}
	out := tls.Certificate{PrivateKey: key, Leaf: issued.Cert, Certificate: [][]byte{issued.Cert.Raw}}
	for _, c := range iss.Intermediates() { // the root is not sent
		out.Certificate = append(out.Certificate, c.Raw)
	}
	return out, nil
}

// completeChain adds the home's intermediates to a certificate that holds
// only its leaf, so that clients trusting only the root can verify it.
func completeChain(c tls.Certificate, roots, inters *x509.CertPool) tls.Certificate {
	if len(c.Certificate) > 1 {
		return c
	}
	chains, err := c.Leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil || len(chains[0]) < 3 {
		return c
	}
	for _, ic := range chains[0][1 : len(chains[0])-1] {
		c.Certificate = append(c.Certificate, ic.Raw)
	}
	return c
}

// openStoreShort opens the store read-only for a refresh while serving.
func (h *Home) openStoreShort() (store.Handle, error) {
	return h.openStore(store.Options{Timeout: max(min(h.cfg.LockTimeout, ServeRefreshTimeout), time.Nanosecond), ReadOnly: true})
}

// revokedSerials opens the store, reads every revocation of every issuer
// and closes it again, so that the endpoint holds no lock between refreshes.
func (h *Home) revokedSerials(ctx context.Context) (map[string]bool, error) {
	st, err := h.openStoreShort()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return ca.RevokedSerials(ctx, st)
}

// latestCRL returns a source of the issuer's latest exported CRL, read
// from the store on each call.
func (h *Home) latestCRL(issuer string) func(ctx context.Context) ([]byte, error) {
	return func(ctx context.Context) ([]byte, error) {
		st, err := h.openStoreShort()
		if err != nil {
			return nil, err
		}
		defer st.Close()
		rec, err := st.LastCRL(ctx, issuer)
		if err != nil {
			return nil, err
		}
		return rec.DER, nil
	}
}
