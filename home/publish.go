package home

import (
	"context"
	"crypto"
	"crypto/x509"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/publish"
)

// PublishOptions are what "ca publish" asks of the home beyond its files.
type PublishOptions struct {
	// CRLMaxAge, when positive, has publish sign a fresh CRL for an issuer
	// whose latest is older than this or than its latest revocation.
	CRLMaxAge time.Duration
	// CRLValidity is the nextUpdate of those CRLs, from their thisUpdate.
	CRLValidity time.Duration
	// Delegated has each issuer sign a short-lived delegated OCSP
	// responder certificate (ca.Issuer.IssueOCSPResponder, recorded) for a
	// key publish makes and keeps in memory, renewed at half its life;
	// otherwise each issuer signs its OCSP answers itself.
	Delegated bool
}

// ResponderValidity is how long a delegated OCSP responder certificate
// of "ca publish" is valid (less when its issuer expires sooner).
const ResponderValidity = 24 * time.Hour

// Publisher returns the publish.Config of the home: the store opened
// read-only for each refresh, and every issuer's key (encrypted ones
// through the passphrase callback), opened now. With opts.CRLMaxAge, the
// CRLs are signed by loading the issuer with the store held for writing
// for just that long.
func (h *Home) Publisher(ctx context.Context, opts PublishOptions) (publish.Config, error) {
	hier, err := h.Hierarchy(ctx)
	if err != nil {
		return publish.Config{}, err
	}
	signers := map[string]crypto.Signer{}
	for _, name := range hier.Names() {
		iss, err := h.OpenIssuer(ctx, name)
		if err != nil {
			return publish.Config{}, err
		}
		iss.ForgetPassphrase()
		signers[name] = iss.key
	}
	cfg := publish.Config{
		Open:    func() (publish.Store, error) { return h.OpenStoreRead() },
		Signers: signers,
		Now:     h.cfg.Now,
	}
	if opts.Delegated {
		cfg.NewResponder = func(ctx context.Context, name string) (crypto.Signer, *x509.Certificate, error) {
			return h.newResponder(ctx, name, signers[name])
		}
	}
	if opts.CRLMaxAge > 0 {
		cfg.CRLMaxAge = opts.CRLMaxAge
		cfg.RefreshCRL = func(ctx context.Context, name string) error {
			return h.refreshCRL(ctx, name, signers[name], opts.CRLValidity)
		}
	}
	return cfg, nil
}

// refreshCRL signs and records the next CRL of the issuer called name with
// key, the store held for writing for just that long.
func (h *Home) refreshCRL(ctx context.Context, name string, key crypto.Signer, next time.Duration) error {
	return h.withIssuer(ctx, name, key, func(iss *ca.Issuer) error {
		_, err := iss.CreateCRL(ctx, ca.CRLOptions{NextUpdate: next})
		return err
	})
}

// newResponder makes a key and has the issuer called name sign and record
// a delegated OCSP responder certificate for it.
func (h *Home) newResponder(ctx context.Context, name string, key crypto.Signer) (crypto.Signer, *x509.Certificate, error) {
	rkey, err := pem.GenerateKey(pem.ECDSAP256)
	if err != nil {
		return nil, nil, err
	}
	var cert *x509.Certificate
	err = h.withIssuer(ctx, name, key, func(iss *ca.Issuer) error {
		// Never past the issuer: a day, or what it has left.
		validity := min(ResponderValidity, iss.Certificate().NotAfter.Sub(h.cfg.Now())-ca.ClockSkew)
		issued, err := iss.IssueOCSPResponder(ctx, rkey.Public(), validity.Truncate(time.Second))
		if err == nil {
			cert = issued.Cert
		}
		return err
	})
	return rkey, cert, err
}

// withIssuer calls fn with the issuer called name, signing with key into
// the store held for writing for just that long.
func (h *Home) withIssuer(ctx context.Context, name string, key crypto.Signer, fn func(*ca.Issuer) error) error {
	st, err := h.OpenStore()
	if err != nil {
		return err
	}
	defer st.Close()
	hier, err := ca.LoadHierarchy(ctx, st)
	if err != nil {
		return err
	}
	urls, err := st.IssuerURLs(ctx, name)
	if err != nil {
		return err
	}
	iss, err := ca.NewIssuer(ca.IssuerConfig{
		Name: name, Cert: hier.Certificate(name), Chain: hier.Parents(name),
		Signer: key, Store: st, Now: h.cfg.Now, URLs: urls,
	})
	if err != nil {
		return err
	}
	return fn(iss)
}
