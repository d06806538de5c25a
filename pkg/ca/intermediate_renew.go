package ca

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// RenewIntermediate signs a new certificate for the intermediate rec, a
// child of this issuer: the subject (byte for byte), public key, key
// identifier, path length, name constraints and key usages of its current
// certificate, under a new serial, valid for validity (0: as long as the
// current one was; past this issuer's notAfter is ErrRefused). stage, when
// set, is called with each signed certificate before it is recorded (as
// Template.Stage). It is recorded with Store.ReplaceIssuerCert, linked to
// the current one, which it replaces as the issuer's certificate.
// Certificates and CRLs signed under the old one verify under the new one:
// same subject, same key, same key identifier (SPEC.md, "Lifecycle").
func (i *Issuer) RenewIntermediate(ctx context.Context, rec *IssuerRecord, validity time.Duration, stage func(*Issued) error) (*Issued, error) {
	if rec.Parent != i.name {
		return nil, fmt.Errorf("ca: issuer %s is signed by %q, not by %s", rec.Name, rec.Parent, i.name)
	}
	old, err := x509.ParseCertificate(rec.DER)
	if err != nil {
		return nil, fmt.Errorf("%w: issuer %s: stored certificate: %v", ErrDamaged, rec.Name, err)
	}
	if validity == 0 {
		validity = old.NotAfter.Sub(old.NotBefore) - ClockSkew
	}
	tmpl := renewalTemplate(old)
	for round := 0; ; round++ {
		iss, err := i.sign(tmpl, old.PublicKey, validity, ProfileIntermediate.Name())
		if err != nil {
			return nil, err
		}
		if !pem.SamePublicKey(iss.Cert.PublicKey, old.PublicKey) || string(iss.Cert.RawSubject) != string(old.RawSubject) {
			return nil, fmt.Errorf("ca: the renewal of issuer %s does not keep its subject and key", rec.Name)
		}
		iss.Record.RenewalOf = rec.Serial
		if stage != nil {
			if err := stage(iss); err != nil {
				return nil, err
			}
		}
		err = i.store.ReplaceIssuerCert(ctx, rec.Name, iss.Record)
		if errors.Is(err, ErrSerialExists) && round < maxResign {
			continue
		}
		if err != nil {
			return nil, err
		}
		return iss, nil
	}
}

// renewalTemplate is a CA certificate like old: its subject as encoded,
// key identifier, basic and name constraints, key usages and URLs.
func renewalTemplate(old *x509.Certificate) *x509.Certificate {
	return &x509.Certificate{
		RawSubject:            old.RawSubject,
		Subject:               old.Subject,
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            old.MaxPathLen,
		MaxPathLenZero:        old.MaxPathLenZero,
		KeyUsage:              old.KeyUsage,
		ExtKeyUsage:           old.ExtKeyUsage,
		UnknownExtKeyUsage:    old.UnknownExtKeyUsage,
		SubjectKeyId:          old.SubjectKeyId,

		PermittedDNSDomainsCritical: old.PermittedDNSDomainsCritical,
		PermittedDNSDomains:         old.PermittedDNSDomains,
		ExcludedDNSDomains:          old.ExcludedDNSDomains,
		PermittedIPRanges:           old.PermittedIPRanges,
		ExcludedIPRanges:            old.ExcludedIPRanges,
		PermittedEmailAddresses:     old.PermittedEmailAddresses,
		ExcludedEmailAddresses:      old.ExcludedEmailAddresses,
		PermittedURIDomains:         old.PermittedURIDomains,
		ExcludedURIDomains:          old.ExcludedURIDomains,

		CRLDistributionPoints: old.CRLDistributionPoints,
		OCSPServer:            old.OCSPServer,
		IssuingCertificateURL: old.IssuingCertificateURL,
	}
}
