// Package crl builds certificate revocation lists (RFC 5280, section 5) from
// entries: a pure function of the entries, the issuer and the times. It
// does not read stores or decide which entries belong on a CRL; pkg/ca does.
package crl

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
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
	Entries    []Entry   // any order; the CRL lists them by serial (Create; Stream takes a Source)
	// Extensions are further CRL extensions (an issuing distribution point),
	// after the authority key identifier and the CRL number.
	Extensions []pkix.Extension
}

// ErrInvalid is returned for a template or issuer that cannot make a valid CRL.
var ErrInvalid = errors.New("crl: invalid")

var oidInvalidityDate = asn1.ObjectIdentifier{2, 5, 29, 24}

// Create signs a v2 CRL for issuer with signer: CRL number, authority key
// identifier (from issuer's subject key id), reason codes and entries in
// serial order. The issuer must have cRLSign and a subject key id. It is
// Stream over t.Entries, sorted, into memory.
func Create(issuer *x509.Certificate, signer crypto.Signer, t Template) ([]byte, error) {
	entries := slices.Clone(t.Entries)
	slices.SortFunc(entries, func(a, b Entry) int { return a.Serial.Cmp(b.Serial) })
	var out bytes.Buffer
	if _, err := Stream(&out, issuer, signer, t, SliceSource(entries)); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
