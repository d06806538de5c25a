// Package crl builds certificate revocation lists (RFC 5280, section 5) from
// entries: a pure function of the entries, the issuer and the times. It
// does not read stores or decide which entries belong on a CRL; pkg/ca does.
package crl

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"
)

// Entry is one revoked certificate.
type Entry struct {
	Serial    *big.Int
	RevokedAt time.Time
	// Reason is an RFC 5280, 5.3.1 reason code; 0 (unspecified) adds no
	// reasonCode extension, as 5.3.1 recommends.
	Reason int
	// InvalidityDate, when not zero, adds the invalidityDate extension (5.3.2).
	InvalidityDate time.Time
}

// Template is what one CRL says.
type Template struct {
	Number     *big.Int // the CRL number (5.2.3); must be positive
	ThisUpdate time.Time
	NextUpdate time.Time // must be after ThisUpdate
	Entries    []Entry   // any order; the CRL lists them by serial
}

// ErrInvalid is returned for a template or issuer that cannot make a valid CRL.
var ErrInvalid = errors.New("crl: invalid")

var oidInvalidityDate = asn1.ObjectIdentifier{2, 5, 29, 24}

// Create signs a v2 CRL for issuer with signer: CRL number, authority key
// identifier (from issuer's subject key id), reason codes and entries in
// serial order. The issuer must have cRLSign and a subject key id.
func Create(issuer *x509.Certificate, signer crypto.Signer, t Template) ([]byte, error) {
	switch {
	case issuer.KeyUsage&x509.KeyUsageCRLSign == 0:
		return nil, fmt.Errorf("%w: issuer %s has no cRLSign key usage, so it cannot sign CRLs", ErrInvalid, issuer.Subject)
	case len(issuer.SubjectKeyId) == 0:
		return nil, fmt.Errorf("%w: issuer %s has no subject key id for the CRL's authority key id", ErrInvalid, issuer.Subject)
	case t.Number == nil || t.Number.Sign() <= 0:
		return nil, fmt.Errorf("%w: CRL number must be positive", ErrInvalid)
	case !t.NextUpdate.After(t.ThisUpdate):
		return nil, fmt.Errorf("%w: nextUpdate %s is not after thisUpdate %s", ErrInvalid,
			t.NextUpdate.UTC().Format(time.RFC3339), t.ThisUpdate.UTC().Format(time.RFC3339))
	}
	entries := make([]x509.RevocationListEntry, len(t.Entries))
	for i, e := range t.Entries {
		entries[i] = x509.RevocationListEntry{SerialNumber: e.Serial, RevocationTime: e.RevokedAt.UTC(), ReasonCode: e.Reason}
		if !e.InvalidityDate.IsZero() {
			v, err := asn1.MarshalWithParams(e.InvalidityDate.UTC(), "generalized")
			if err != nil {
				return nil, fmt.Errorf("crl: invalidity date: %w", err)
			}
			entries[i].ExtraExtensions = []pkix.Extension{{Id: oidInvalidityDate, Value: v}}
		}
	}
	slices.SortFunc(entries, func(a, b x509.RevocationListEntry) int { return a.SerialNumber.Cmp(b.SerialNumber) })
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		RevokedCertificateEntries: entries,
		Number:                    t.Number,
		ThisUpdate:                t.ThisUpdate.UTC(),
		NextUpdate:                t.NextUpdate.UTC(),
	}, issuer, signer)
	if err != nil {
		return nil, fmt.Errorf("crl: sign: %w", err)
	}
	return der, nil
}
