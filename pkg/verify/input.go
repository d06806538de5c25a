package verify

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// ParseError is a certificate that crypto/x509 refuses to parse. It wraps
// ErrMalformed. Shaped says that the DER has the shape of a version 2 or 3
// certificate (SEQUENCE of TBSCertificate with an explicit version,
// AlgorithmIdentifier, BIT STRING): a certificate that breaks a rule of RFC
// 5280 at parse time (a negative serial, an extension twice, a malformed
// extension) rather than something that is no certificate at all.
type ParseError struct {
	Index  int // 0 for the first certificate of the input
	Shaped bool
	Err    error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("verify: certificate %d does not parse: %v", e.Index, e.Err)
}

// Unwrap returns ErrMalformed and the parser's error.
func (e *ParseError) Unwrap() []error { return []error{ErrMalformed, e.Err} }

// blocks returns the DER of each block of type want in data, which is
// either PEM (any number of blocks, text around them skipped) or one DER
// value. Other PEM block types are refused.
func blocks(data []byte, want string, limit int) ([][]byte, error) {
	if len(data) > limit {
		return nil, fmt.Errorf("%w (%d bytes, the limit is %d)", pem.ErrTooLarge, len(data), limit)
	}
	if !pem.IsPEM(data) {
		if len(bytes.TrimSpace(data)) == 0 {
			return nil, nil
		}
		der, _, err := pem.Decode(data, limit, want)
		if err != nil {
			var fe *pem.FormatError
			if errors.As(err, &fe) {
				return nil, fmt.Errorf("%w: neither PEM nor DER (%s)", ErrMalformed, strings.TrimPrefix(fe.Detail, "and not DER: "))
			}
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		return [][]byte{der}, nil
	}
	out, other := pem.Blocks(data, want)
	if other != "" {
		return nil, fmt.Errorf("%w: a %s block where only %s blocks belong", ErrMalformed, other, want)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: a broken PEM block", ErrMalformed)
	}
	return out, nil
}

// ParseCertificates reads every certificate in data (PEM blocks or one DER
// certificate); empty data gives none. A certificate that does not parse is
// a *ParseError.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	ders, err := blocks(data, pem.TypeCertificate, pem.MaxSize)
	if err != nil {
		return nil, err
	}
	certs := make([]*x509.Certificate, 0, len(ders))
	for i, der := range ders {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, &ParseError{Index: i, Shaped: certificateShaped(der), Err: err}
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// certificateShaped: SEQUENCE { SEQUENCE { [0] version, ... }, SEQUENCE, BIT STRING }.
func certificateShaped(der []byte) bool {
	s := cryptobyte.String(der)
	var cert, tbs, alg, sig cryptobyte.String
	if !s.ReadASN1(&cert, cbasn1.SEQUENCE) || !s.Empty() ||
		!cert.ReadASN1(&tbs, cbasn1.SEQUENCE) || !cert.ReadASN1(&alg, cbasn1.SEQUENCE) ||
		!cert.ReadASN1(&sig, cbasn1.BIT_STRING) || !cert.Empty() {
		return false
	}
	return tbs.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific().Constructed())
}

// ParseCRLs reads every CRL in data (PEM blocks or one DER CRL); name says
// where they came from in reasons.
func ParseCRLs(name string, data []byte) ([]*CRL, error) {
	ders, err := blocks(data, pem.TypeCRL, pem.MaxCRLSize)
	if err != nil {
		return nil, err
	}
	if len(ders) == 0 {
		return nil, fmt.Errorf("%w: it holds no CRL", ErrMalformed)
	}
	out := make([]*CRL, 0, len(ders))
	for i, der := range ders {
		l, err := x509.ParseRevocationList(der)
		if err != nil {
			return nil, fmt.Errorf("%w: CRL %d does not parse: %s", ErrMalformed, i+1, goText(err))
		}
		n := name
		if len(ders) > 1 {
			n = fmt.Sprintf("%s#%d", name, i+1)
		}
		out = append(out, NewCRL(n, l))
	}
	return out, nil
}

// VerifyFile verifies the certificates in data (the leaf, then any chain)
// against opts. A certificate of data that crypto/x509 refuses to parse but
// that has a certificate's shape is a Result that is not good, with the
// rule "malformed"; input that is no certificate is an error wrapping
// ErrMalformed.
func VerifyFile(data []byte, opts Options) (*Result, error) {
	certs, err := ParseCertificates(data)
	var pe *ParseError
	if errors.As(err, &pe) && pe.Shaped {
		if err := opts.check(); err != nil {
			return nil, err
		}
		return &Result{Chain: []Link{}, Reasons: []Reason{{Rule: "malformed", Ref: "RFC 5280, 4.1", Certificate: -1,
			Detail: fmt.Sprintf("certificate %d of the file breaks the encoding rules: %s", pe.Index, goText(pe.Err))}}}, nil
	}
	if err != nil {
		return nil, err
	}
	return Verify(certs, opts)
}
