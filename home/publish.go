package home

import (
	"context"
	"crypto"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/publish"
)

// PublishOptions are what "ca publish" asks of the home beyond its files.
type PublishOptions struct {
	// CRLMaxAge, when positive, has publish sign a fresh CRL for an issuer
	// whose latest is older than this or than its latest revocation.
	CRLMaxAge time.Duration
	// CRLValidity is the nextUpdate of those CRLs, from their thisUpdate.
	CRLValidity time.Duration
}

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
	_, err = iss.CreateCRL(ctx, ca.CRLOptions{NextUpdate: next})
	return err
}
