package ca

import (
	"context"
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
// lists every rule with its result; nothing is signed.
func (i *Issuer) Judge(r csr.Request, o SignOptions) csr.Judgement {
	p, v := o.resolve()
	return i.policy.Judge(r, csr.Env{
		Profile:     p.Name(),
		KeyUsage:    p.KeyUsage(r.PublicKey),
		ExtKeyUsage: p.ExtKeyUsage(),
		RequireSAN:  p.RequireSAN(),
		CNMustBeSAN: p.CNMustBeSAN(),
		Validity:    v,
		Issuer:      i.cert,
		IssuerKeys:  i.issuerKeys,
	})
}

// Prepare judges r (see Judge) and, when every rule passes, signs it with a
// fresh serial; it does not record it. A broken rule returns a
// *csr.RefusalError listing every failure; a validity past the issuer's
// notAfter returns ErrRefused.
func (i *Issuer) Prepare(r csr.Request, o SignOptions) (*Issued, error) {
	if err := i.Judge(r, o).Err(); err != nil {
		return nil, err
	}
	p, v := o.resolve()
	return i.Sign(Request{
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

// SignRequest judges, signs and records r: one certificate, one transaction.
func (i *Issuer) SignRequest(ctx context.Context, r csr.Request, o SignOptions) (*Issued, error) {
	iss, err := i.Prepare(r, o)
	if err != nil {
		return nil, err
	}
	return recordOne(ctx, i.store, iss)
}

// Policy returns the issuer's signing policy.
func (i *Issuer) Policy() *csr.Policy { return i.policy }
