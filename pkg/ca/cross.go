package ca

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// PathLenOfCert, as Template.MaxPathLen of IssueCross, takes the path
// length constraint of the certificate cross-signed (none when it has none).
const PathLenOfCert = -2

// IssueCross signs and records a CA certificate for the subject (byte for
// byte), public key and key identifier of foreign, another CA's
// certificate, under this issuer (profile ProfileCross.Name()): clients that
// trust this issuer's root then accept what foreign's key signed (root
// rollover, merging two PKIs). cfg gives the path length (PathLenOfCert:
// foreign's own), name constraints (critical) and validity; cfg.Subject is
// ignored. A validity of 0 lasts until foreign's notAfter or this issuer's,
// whichever comes first; one past this issuer's is ErrRefused. Refused
// (ErrRefused): a certificate that is not a CA with keyCertSign, a
// self-signed one whose signature does not verify, an expired one, one
// whose key is one of this home's issuers' (IssuerConfig.IssuerKeys), and
// a path length this issuer's own constraint leaves no room for. cfg.Stage
// is called as CreateIntermediate calls it.
func (i *Issuer) IssueCross(ctx context.Context, foreign *x509.Certificate, cfg Template) (*Issued, error) {
	if err := i.checkCrossSign(foreign); err != nil {
		return nil, err
	}
	if cfg.MaxPathLen == PathLenOfCert {
		cfg.MaxPathLen = -1
		if foreign.MaxPathLen > 0 || foreign.MaxPathLenZero {
			cfg.MaxPathLen = foreign.MaxPathLen
		}
	}
	if err := i.checkPathRoom(cfg.MaxPathLen); err != nil {
		return nil, err
	}
	if cfg.Validity == 0 {
		end := foreign.NotAfter
		if i.cert.NotAfter.Before(end) {
			end = i.cert.NotAfter
		}
		cfg.Validity = end.Sub(i.now())
	}
	tmpl, err := cfg.x509Template(foreign.PublicKey)
	if err != nil {
		return nil, err
	}
	tmpl.RawSubject, tmpl.Subject = foreign.RawSubject, foreign.Subject
	if len(foreign.SubjectKeyId) > 0 {
		tmpl.SubjectKeyId = foreign.SubjectKeyId // what foreign's certificates name as their authority key id
	}
	for round := 0; ; round++ {
		iss, err := i.sign(tmpl, foreign.PublicKey, cfg.Validity, ProfileCross.Name())
		if err != nil {
			return nil, err
		}
		if cfg.Stage != nil {
			if err := cfg.Stage(iss); err != nil {
				return nil, err
			}
		}
		errs, err := i.store.AddCertificates(ctx, []*CertRecord{iss.Record})
		if err == nil {
			err = errs[0]
		}
		if errors.Is(err, ErrSerialExists) && round < maxResign {
			continue
		}
		if err != nil {
			return nil, err
		}
		return iss, nil
	}
}

// checkCrossSign refuses a foreign certificate this issuer must not
// cross-sign.
func (i *Issuer) checkCrossSign(foreign *x509.Certificate) error {
	subject := foreign.Subject.String()
	switch {
	case !foreign.BasicConstraintsValid || !foreign.IsCA:
		return fmt.Errorf("%w: %q is not a CA certificate (no basicConstraints CA:TRUE); only a CA is cross-signed", ErrRefused, subject)
	case foreign.KeyUsage != 0 && foreign.KeyUsage&x509.KeyUsageCertSign == 0:
		return fmt.Errorf("%w: %q is a CA certificate without keyCertSign; it signs no certificates", ErrRefused, subject)
	case len(foreign.RawSubject) <= 2:
		return fmt.Errorf("%w: the certificate has an empty subject; a CA needs one", ErrRefused)
	case !i.now().Before(foreign.NotAfter):
		return fmt.Errorf("%w: %q expired on %s", ErrRefused, subject, foreign.NotAfter.UTC().Format(time.RFC3339))
	case string(foreign.RawIssuer) == string(foreign.RawSubject) && foreign.CheckSignatureFrom(foreign) != nil:
		return fmt.Errorf("%w: %q is self-signed but its signature does not verify: whoever sent it may not hold its key", ErrRefused, subject)
	}
	for _, k := range i.issuerKeys {
		if pem.SamePublicKey(k, foreign.PublicKey) {
			return fmt.Errorf("%w: the key of %q is the key of one of this home's issuers; a CA is not cross-signed by its own hierarchy", ErrRefused, subject)
		}
	}
	return nil
}

// checkPathRoom refuses (ErrRefused) a CA certificate with path length n
// (-1: none) under this issuer when its own constraint leaves no room.
func (i *Issuer) checkPathRoom(n int) error {
	if i.cert.MaxPathLenZero || (i.cert.MaxPathLen > 0 && n >= i.cert.MaxPathLen) || (i.cert.MaxPathLen > 0 && n < 0) {
		want := "no path length constraint"
		if n >= 0 {
			want = fmt.Sprintf("path length %d", n)
		}
		return fmt.Errorf("%w: issuer %s has path length %d, which leaves no room for a CA certificate with %s; choose another --issuer, or a smaller --path-len",
			ErrRefused, i.name, i.cert.MaxPathLen, want)
	}
	return nil
}
