package ca

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// Verification results (Verification.Status).
const (
	VerifyGood        = "good"
	VerifyExpired     = "expired"
	VerifyNotYetValid = "notYetValid"
	VerifyRevoked     = "revoked"
	VerifyUntrusted   = "untrusted" // no chain to the home's root
	VerifyUnknown     = "unknown"   // chains to the root, but the store has no record of it
)

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// Issuer, when set, is the name of the issuer that must have signed the
	// certificate directly.
	Issuer string
	// Now is the time to verify at; zero means time.Now.
	Now time.Time
}

// ChainLink is one certificate of a verified chain, leaf first.
type ChainLink struct {
	Serial  string `json:"serial"`
	Subject string `json:"subject"`
	// Issuer is the name in the home of the issuer that signed it ("" for a root).
	Issuer string `json:"issuer"`
}

// Verification is what Verify found.
type Verification struct {
	Status  string      // one of the Verify* constants
	Detail  string      // why it is not good; "" when good
	Chain   []ChainLink // the chain to the root when one was found
	Revoked *Revocation // the revocation that made Status revoked (of the leaf or an intermediate)
	// RevokedOn is set when the revocation is known only from the last CRL
	// of the certificate's issuer, the store's record of it being gone.
	RevokedOn *CRLRevocation
}

// Err returns nil when the certificate is good, else ErrVerify wrapped with the detail.
func (v *Verification) Err() error {
	if v.Status == VerifyGood {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrVerify, v.Detail)
}

// Verify checks cert the way a relying party that trusts the home's root
// would, plus what only the home knows: the chain to the root through the
// home's issuers (any extended key usage; name constraints apply), the
// validity period at opts.Now, that the store recorded the certificate, and
// that neither it nor any intermediate of its chain is revoked. The error is
// for a store that could not be read; a certificate that is not good is a
// Verification with its Status and Detail.
func Verify(ctx context.Context, st Store, cert *x509.Certificate, opts VerifyOptions) (*Verification, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	set, err := LoadHierarchy(ctx, st)
	if err != nil {
		return nil, err
	}
	names := rawNames(set)
	v := &Verification{}
	chain, err := chainAt(cert, set, now)
	if err != nil {
		v.Status, v.Detail = VerifyUntrusted, fmt.Sprintf("certificate %s (%s) does not chain to this home's root: %v", FormatSerial(cert.SerialNumber), Printable(cert.Subject.String()), err)
		return v, nil
	}
	v.Chain = chainLinks(chain, names)
	// Expired or not yet valid: said after the revocation, which weighs more
	// (a revoked certificate that has since expired is still one whose key
	// may be compromised), as CertRecord.Status says it.
	outside, outsideDetail := validityAt(cert, now)
	// The direct issuer: the next certificate up, or the root itself.
	if direct := names[string(chain[min(1, len(chain)-1)].Raw)]; outside == "" && opts.Issuer != "" && direct != opts.Issuer {
		v.Status, v.Detail = VerifyUntrusted, fmt.Sprintf("certificate %s was issued by %s, not by --issuer %s", v.Chain[0].Serial, direct, opts.Issuer)
		return v, nil
	}
	if done, err := v.checkRecords(ctx, st, chain, names, outside != ""); done || err != nil {
		return v, err
	}
	if outside != "" {
		v.Status, v.Detail = outside, outsideDetail
		return v, nil
	}
	v.Status = VerifyGood
	return v, nil
}

// rawNames maps each issuer's certificate (its DER) to the issuer's name.
func rawNames(set *Hierarchy) map[string]string {
	names := map[string]string{}
	for _, r := range set.Records() {
		names[string(set.Certificate(r.Name).Raw)] = r.Name
	}
	return names
}

// chainAt builds cert's chain to a root of set at a time inside the
// certificate's validity, so that an expired certificate of the home says
// "expired", a foreign one "untrusted".
func chainAt(cert *x509.Certificate, set *Hierarchy, now time.Time) ([]*x509.Certificate, error) {
	at := now
	if at.After(cert.NotAfter) {
		at = cert.NotAfter
	} else if at.Before(cert.NotBefore) {
		at = cert.NotBefore
	}
	roots, inter := set.Pools()
	chains, err := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return nil, err
	}
	return chains[0], nil
}

// chainLinks describes chain, leaf first, with the issuers' names.
func chainLinks(chain []*x509.Certificate, names map[string]string) []ChainLink {
	var links []ChainLink
	for k, c := range chain {
		link := ChainLink{Serial: FormatSerial(c.SerialNumber), Subject: c.Subject.String()}
		if k+1 < len(chain) {
			link.Issuer = names[string(chain[k+1].Raw)]
		}
		links = append(links, link)
	}
	return links
}

// validityAt is VerifyExpired or VerifyNotYetValid and why when cert is
// not valid at now; "" when it is.
func validityAt(cert *x509.Certificate, now time.Time) (status, detail string) {
	switch {
	case now.After(cert.NotAfter):
		return VerifyExpired, fmt.Sprintf("certificate %s expired at %s", FormatSerial(cert.SerialNumber), cert.NotAfter.UTC().Format(time.RFC3339))
	case now.Before(cert.NotBefore):
		return VerifyNotYetValid, fmt.Sprintf("certificate %s is not valid before %s", FormatSerial(cert.SerialNumber), cert.NotBefore.UTC().Format(time.RFC3339))
	}
	return "", ""
}

// checkRecords looks up every certificate of the chain but the root (the
// leaf and the intermediates) in the store: one the store does not hold is
// unknown (unless outside its validity, which is said instead), one it
// holds revoked is revoked. The last CRL of the certificate's issuer is
// consulted too: a certificate it lists is revoked even when the store's
// revocation record is gone. It returns true when v is decided.
func (v *Verification) checkRecords(ctx context.Context, st Store, chain []*x509.Certificate, names map[string]string, outside bool) (bool, error) {
	for k, c := range chain[:max(len(chain)-1, 1)] {
		rec, err := st.Certificate(ctx, c.SerialNumber)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return true, err
		}
		known := err == nil && bytes.Equal(rec.DER, c.Raw)
		what := "certificate"
		if k > 0 {
			what = "intermediate " + names[string(c.Raw)] + " of its chain"
		}
		if known && rec.Revocation != nil {
			r := rec.Revocation
			v.Status, v.Revoked = VerifyRevoked, r
			v.Detail = fmt.Sprintf("%s %s was revoked at %s, reason %s", what, FormatSerial(c.SerialNumber), r.RevokedAt.UTC().Format(time.RFC3339), r.Reason)
			return true, nil
		}
		if k+1 < len(chain) {
			listed, err := RevokedOnLastCRL(ctx, st, names[string(chain[k+1].Raw)], chain[k+1], c.SerialNumber)
			if err != nil {
				return true, err
			}
			if listed != nil {
				v.Status, v.Revoked, v.RevokedOn = VerifyRevoked, &listed.Revocation, listed
				v.Detail = fmt.Sprintf("%s %s is revoked: %s lists it (revoked at %s, reason %s), but the store has no record of the revocation; run \"ca store check\" and restore the store from a backup (see docs/operations.md)",
					what, FormatSerial(c.SerialNumber), listed.Source(), listed.RevokedAt.UTC().Format(time.RFC3339), listed.Reason)
				return true, nil
			}
		}
		if !known {
			if outside {
				return false, nil
			}
			v.Status, v.Detail = VerifyUnknown, fmt.Sprintf("certificate %s chains to this home's root, but the store has no record of it, so its revocation state is unknown", FormatSerial(c.SerialNumber))
			return true, nil
		}
	}
	return false, nil
}
