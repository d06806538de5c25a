package ca

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"time"

	"github.com/ca-toolkit/ca/pkg/csr"
)

// Renewal is a certificate to renew: a new certificate for the same
// subject, names, profile and issuer under a new serial (SPEC.md,
// "Lifecycle").
type Renewal struct {
	// Old is the store's record of the certificate to renew.
	Old *CertRecord
	// PublicKey is the new certificate's key; nil keeps the old one's.
	PublicKey crypto.PublicKey
	// Validity is how long the new one is valid; 0 means as long as the old one was.
	Validity time.Duration
	// RevokeOld revokes the old certificate (superseded) in the transaction
	// that records the new one.
	RevokeOld bool
}

// SignRenewal judges the renewal r by the issuer's policy of today, as a
// request for the old certificate's subject and names under its profile
// would be (a renewal the policy now refuses is refused), and signs it; it
// does not record it. The record links it to the old certificate, which
// the store checks when it records it: a revoked certificate, or one
// renewed already, is not renewed. Certificates of CAs are not renewed
// here (CreateIntermediate, cross-signing).
func (i *Issuer) SignRenewal(r Renewal) (*Issued, error) {
	old, err := x509.ParseCertificate(r.Old.DER)
	if err != nil {
		return nil, fmt.Errorf("%w: serial %s: its stored certificate does not parse (%v); %s", ErrDamaged, FormatSerial(r.Old.Serial), err, RestoreHint)
	}
	switch {
	case r.Old.Issuer != i.name:
		return nil, fmt.Errorf("ca: serial %s was issued by %s, not %s", FormatSerial(r.Old.Serial), r.Old.Issuer, i.name)
	case r.Old.Revocation != nil:
		return nil, fmt.Errorf("%w: serial %s is revoked; a revoked certificate is not renewed", ErrRefused, FormatSerial(r.Old.Serial))
	case r.Old.RenewedBy != nil:
		return nil, fmt.Errorf("%w: serial %s was renewed already, by %s", ErrExists, FormatSerial(r.Old.Serial), FormatSerial(r.Old.RenewedBy))
	case old.IsCA:
		return nil, fmt.Errorf("%w: serial %s is a CA certificate; renew an intermediate with \"ca intermediate renew\"", ErrUsage, FormatSerial(r.Old.Serial))
	}
	profile, err := LookupProfile(r.Old.Profile)
	if err != nil {
		return nil, err
	}
	var subject pkix.RDNSequence
	if rest, err := asn1.Unmarshal(old.RawSubject, &subject); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("%w: serial %s: its subject does not parse", ErrDamaged, FormatSerial(r.Old.Serial))
	}
	pub := r.PublicKey
	if pub == nil {
		pub = old.PublicKey
	}
	validity := r.Validity
	if validity == 0 {
		validity = old.NotAfter.Sub(old.NotBefore) - ClockSkew
	}
	iss, err := i.Sign(csr.Request{
		Subject: subject, PublicKey: pub, DNSNames: old.DNSNames, IPAddresses: old.IPAddresses,
		EmailAddresses: old.EmailAddresses, URIs: old.URIs,
	}, SignOptions{Profile: profile, Validity: validity})
	if err != nil {
		return nil, err
	}
	iss.Record.RenewalOf, iss.Record.RevokeRenewed = r.Old.Serial, r.RevokeOld
	return iss, nil
}
