package ca

import (
	"context"
	"fmt"
	"time"

	"github.com/ca-toolkit/ca/pkg/csr"
)

// SignOptions say how to sign a request.
type SignOptions struct {
	Profile  *Profile      // nil means ProfileServer
	Validity time.Duration // 0 means DefaultValidity
}

// DefaultValidity is the validity of a leaf when none is asked for.
const DefaultValidity = 90 * 24 * time.Hour

func (o SignOptions) resolve() (*Profile, time.Duration) {
	p, v := o.Profile, o.Validity
	if p == nil {
		p = ProfileServer
	}
	if v == 0 {
		v = DefaultValidity
	}
	return p, v
}

// Judge applies the issuer's policy, the profile and the validity to r and
// lists every rule with its result, ending with "validity issuerNotAfter"
// (the certificate would not outlive the issuer); nothing is signed. The
// name constraints of the issuer and of every CA above it (its chain) are
// enforced.
func (i *Issuer) Judge(r csr.Request, o SignOptions) csr.Judgement {
	p, v := o.resolve()
	j := i.policy.Judge(r, csr.Env{
		Profile:     p.Name(),
		KeyUsage:    p.KeyUsage(r.PublicKey),
		ExtKeyUsage: p.ExtKeyUsage(),
		RequireSAN:  p.RequireSAN(),
		CNMustBeSAN: p.CNMustBeSAN(),
		Validity:    v,
		Issuer:      i.cert,
		Chain:       i.chain,
		IssuerKeys:  i.issuerKeys,
	})
	j.Checks = append(j.Checks, i.judgeNotAfter(v))
	return j
}

// judgeNotAfter checks that a certificate of validity v signed now ends no
// later than the issuer: SPEC.md refuses it rather than shortening it.
func (i *Issuer) judgeNotAfter(v time.Duration) csr.Check {
	end := i.now().Add(v).UTC().Truncate(time.Second)
	limit := i.cert.NotAfter.UTC()
	c := csr.Check{Field: "validity", Rule: "issuerNotAfter", Value: FormatDuration(v), Pass: !end.After(limit)}
	if c.Pass {
		c.Reason = fmt.Sprintf("ends %s, within issuer %s (%s)", end.Format(time.RFC3339), i.name, limit.Format(time.RFC3339))
	} else {
		c.Reason = fmt.Sprintf("would end %s, after issuer %s (%s); ask for less", end.Format(time.RFC3339), i.name, limit.Format(time.RFC3339))
	}
	return c
}

// Sign judges r (see Judge) and, when every rule passes, signs it with a
// fresh serial; it does not record it (Record does; Issue does both). A broken rule (a validity past the
// issuer's notAfter included) returns a *RefusedError: it matches ErrRefused,
// and errors.As finds the *csr.RefusalError listing every failure.
func (i *Issuer) Sign(r csr.Request, o SignOptions) (*Issued, error) {
	if err := i.Judge(r, o).Err(); err != nil {
		return nil, refused(err)
	}
	p, v := o.resolve()
	return i.SignLeaf(Leaf{
		Subject:        i.policy.Subject(r),
		PublicKey:      r.PublicKey,
		DNSNames:       r.DNSNames,
		IPAddresses:    r.IPAddresses,
		EmailAddresses: r.EmailAddresses,
		URIs:           r.URIs,
		Profile:        p,
		Validity:       v,
	})
}

// Issue judges and signs r (Sign) and records it: one certificate, one
// transaction.
func (i *Issuer) Issue(ctx context.Context, r csr.Request, o SignOptions) (*Issued, error) {
	iss, err := i.Sign(r, o)
	if err != nil {
		return nil, err
	}
	return recordOne(ctx, i.store, iss)
}

// Policy returns the issuer's signing policy.
func (i *Issuer) Policy() *csr.Policy { return i.policy }
