package home

import (
	"cmp"
	"context"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// URLsChange is a change to an issuer's publication URLs: a nil field
// keeps what is recorded, an empty string removes that URL.
type URLsChange struct {
	CRL, OCSP, CAIssuers, DeltaCRL *string
	CRLShards                      *int
}

// apply returns u with the change made.
func (c URLsChange) apply(u ca.IssuerURLs) ca.IssuerURLs {
	for _, f := range []struct {
		to   *string
		from *string
	}{{&u.CRL, c.CRL}, {&u.OCSP, c.OCSP}, {&u.CAIssuers, c.CAIssuers}, {&u.DeltaCRL, c.DeltaCRL}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	if c.CRLShards != nil {
		u.CRLShards = *c.CRLShards
	}
	return u
}

// IssuerURLs resolves name (ca.Hierarchy.Resolve: "" is the default
// issuer) and returns its name and recorded publication URLs, with the
// store open read-only for just that long.
func (h *Home) IssuerURLs(ctx context.Context, name string) (string, ca.IssuerURLs, error) {
	st, err := h.OpenStoreRead()
	if err != nil {
		return "", ca.IssuerURLs{}, err
	}
	defer st.Close()
	rec, err := resolve(ctx, st, name)
	if err != nil {
		return "", ca.IssuerURLs{}, err
	}
	urls, err := st.IssuerURLs(ctx, rec.Name)
	return rec.Name, urls, err
}

// SetIssuerURLs resolves name as IssuerURLs does and records its URLs
// with change made (audited), all with the store held for writing. A URL
// that is not an http or https URL is refused (ca.ErrUsage) and nothing
// is recorded, and so is a CRL URL with {shard} without a shard count
// (or the reverse); a change of an issuer's shard count is refused
// (ca.ErrRefused). It returns the issuer's name and its URLs now.
func (h *Home) SetIssuerURLs(ctx context.Context, name string, change URLsChange) (string, ca.IssuerURLs, error) {
	if err := change.apply(ca.IssuerURLs{}).CheckURLs(); err != nil {
		return "", ca.IssuerURLs{}, err
	}
	st, err := h.OpenStore()
	if err != nil {
		return "", ca.IssuerURLs{}, err
	}
	defer st.Close()
	rec, err := resolve(ctx, st, name)
	if err != nil {
		return "", ca.IssuerURLs{}, err
	}
	urls, err := st.IssuerURLs(ctx, rec.Name)
	if err != nil {
		return "", ca.IssuerURLs{}, err
	}
	after := change.apply(urls)
	if err := cmp.Or(after.Check(), ca.CheckShardChange(rec.Name, urls, after)); err != nil {
		return "", ca.IssuerURLs{}, err
	}
	urls = after
	if err := st.SetIssuerURLs(ctx, rec.Name, urls); err != nil {
		return "", ca.IssuerURLs{}, err
	}
	return rec.Name, urls, nil
}

// resolve finds the issuer called name ("": the default) among st's.
func resolve(ctx context.Context, st ca.Store, name string) (*ca.IssuerRecord, error) {
	hier, err := ca.LoadHierarchy(ctx, st)
	if err != nil {
		return nil, err
	}
	return hier.Resolve(name)
}
