package ca

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"time"
)

// Template describes a CA certificate to make: a root (CreateRoot) or an
// intermediate (Issuer.CreateIntermediate).
type Template struct {
	Subject  pkix.Name
	Validity time.Duration
	// MaxPathLen is the path length constraint; -1 means none.
	MaxPathLen int
	// Name constraints (RFC 5280, 4.2.1.10), for intermediates.
	PermittedDNSDomains     []string
	ExcludedDNSDomains      []string
	PermittedIPRanges       []*net.IPNet
	ExcludedIPRanges        []*net.IPNet
	PermittedEmailAddresses []string
	ExcludedEmailAddresses  []string
	// URLs are the new CA's own publication URLs, recorded with it; the
	// certificates it signs carry them (its own certificate carries its
	// parent's).
	URLs IssuerURLs
	// Stage, when set, is called by CreateIntermediate with each signed
	// certificate before it is recorded (the caller writes its files beside
	// their place, so that nothing can fail for want of disk space after the
	// commit); when it fails nothing is recorded.
	Stage func(*Issued) error
}

func (c Template) x509Template(pub crypto.PublicKey) (*x509.Certificate, error) {
	skid, err := SubjectKeyID(pub)
	if err != nil {
		return nil, err
	}
	t := &x509.Certificate{
		Subject:               c.Subject,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              caKeyUsage,
		SubjectKeyId:          skid,
		MaxPathLen:            c.MaxPathLen,
		MaxPathLenZero:        c.MaxPathLen == 0,

		PermittedDNSDomains:     c.PermittedDNSDomains,
		ExcludedDNSDomains:      c.ExcludedDNSDomains,
		PermittedIPRanges:       c.PermittedIPRanges,
		ExcludedIPRanges:        c.ExcludedIPRanges,
		PermittedEmailAddresses: c.PermittedEmailAddresses,
		ExcludedEmailAddresses:  c.ExcludedEmailAddresses,
	}
	// RFC 5280, 4.2.1.10: conforming CAs MUST mark name constraints critical.
	t.PermittedDNSDomainsCritical = len(t.PermittedDNSDomains)+len(t.ExcludedDNSDomains)+len(t.PermittedIPRanges)+
		len(t.ExcludedIPRanges)+len(t.PermittedEmailAddresses)+len(t.ExcludedEmailAddresses) > 0
	if c.MaxPathLen < -1 {
		return nil, fmt.Errorf("%w: path length %d is negative", ErrUsage, c.MaxPathLen)
	}
	return t, nil
}

// CreateRoot makes a self-signed root certificate for signer, with
// CA:TRUE (critical), keyCertSign, cRLSign and a subject key id, and
// cfg.URLs.CRL (expanded) as its CRL distribution point when set.
func CreateRoot(cfg Template, signer crypto.Signer, now time.Time) (*x509.Certificate, error) {
	if cfg.Validity <= 0 {
		return nil, fmt.Errorf("%w: validity %s is not positive", ErrRefused, cfg.Validity)
	}
	tmpl, err := cfg.x509Template(signer.Public())
	if err != nil {
		return nil, err
	}
	serial, err := NewSerial()
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	// A root carries only its own CRL URL, so that a relying party that
	// checks every certificate of the chain (openssl -crl_check_all,
	// -crl_download) finds the CRL that covers it.
	// cfg.URLs.CRL must be expanded (IssuerURLs.Expand) by the caller, who
	// knows the root's name.
	if u := cfg.URLs.CRL; u != "" {
		tmpl.CRLDistributionPoints = []string{u}
	}
	tmpl.NotBefore = now.Add(-ClockSkew).UTC().Truncate(time.Second)
	tmpl.NotAfter = now.Add(cfg.Validity).UTC().Truncate(time.Second)
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, signer.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("ca: sign root: %w", err)
	}
	return x509.ParseCertificate(der)
}

// CreateIntermediate signs an intermediate CA certificate for pub under
// this issuer and records it, with its issuer record under name, in one
// transaction. A validity past the issuer's is refused (ErrRefused); so is a
// path length the issuer's own constraint does not leave room for.
func (i *Issuer) CreateIntermediate(ctx context.Context, name string, cfg Template, pub crypto.PublicKey) (*Issued, error) {
	if i.cert.MaxPathLenZero || (i.cert.MaxPathLen > 0 && cfg.MaxPathLen >= i.cert.MaxPathLen) ||
		(i.cert.MaxPathLen > 0 && cfg.MaxPathLen < 0) {
		return nil, fmt.Errorf("%w: issuer %s has path length %d, which leaves no room for an intermediate with path length %d",
			ErrRefused, i.name, i.cert.MaxPathLen, cfg.MaxPathLen)
	}
	tmpl, err := cfg.x509Template(pub)
	if err != nil {
		return nil, err
	}
	for round := 0; ; round++ {
		iss, err := i.sign(tmpl, pub, cfg.Validity, ProfileIntermediate.Name())
		if err != nil {
			return nil, err
		}
		if cfg.Stage != nil {
			if err := cfg.Stage(iss); err != nil {
				return nil, err
			}
		}
		rec := IssuerRecord{Name: name, Parent: i.name, Serial: iss.Cert.SerialNumber, DER: iss.Cert.Raw, URLs: cfg.URLs}
		err = i.store.AddIssuer(ctx, rec, iss.Record)
		if errors.Is(err, ErrSerialExists) && round < maxResign {
			continue
		}
		if err != nil {
			return nil, err
		}
		return iss, nil
	}
}

// FormatDuration writes d in the largest whole unit of y, d, h, m, s.
func FormatDuration(d time.Duration) string {
	const day = 24 * time.Hour
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{365 * day, "y"}, {day, "d"}, {time.Hour, "h"}, {time.Minute, "m"}} {
		if d >= u.unit && d%u.unit == 0 {
			return fmt.Sprintf("%d%s", d/u.unit, u.name)
		}
	}
	return d.String()
}
