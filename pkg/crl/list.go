package crl

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"iter"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// List is a CRL whose signature Parse checked: what its issuer said, which
// no later edit of the bytes can change.
type List struct {
	Number     *big.Int
	ThisUpdate time.Time
	NextUpdate time.Time // zero when the CRL has none
	entries    cryptobyte.String
}

// ErrSignature is returned by Parse for a CRL that the issuer did not sign:
// its signature does not verify under the issuer's key, or it names
// another issuer.
var ErrSignature = errors.New("crl: not signed by the issuer")

var (
	oidCRLNumber  = asn1.ObjectIdentifier{2, 5, 29, 20}
	oidReasonCode = asn1.ObjectIdentifier{2, 5, 29, 21}
)

// Signature algorithms of the keys this toolkit signs with, as
// x509.CreateRevocationList writes them (RFC 5758, 3.2; RFC 4055, 5; RFC
// 8410, 3).
var sigAlgs = []struct {
	oid  asn1.ObjectIdentifier
	algo x509.SignatureAlgorithm
}{
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}, x509.ECDSAWithSHA256},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}, x509.ECDSAWithSHA384},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}, x509.ECDSAWithSHA512},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, x509.SHA256WithRSA},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}, x509.SHA384WithRSA},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}, x509.SHA512WithRSA},
	{asn1.ObjectIdentifier{1, 3, 101, 112}, x509.PureEd25519},
}

// Parse reads a DER CRL (RFC 5280, 5.1) that issuer signed, as Create
// makes them: its signature must verify under issuer's public key and its
// issuer name must be issuer's subject. The header (CRL number,
// thisUpdate, nextUpdate) is read at once, the entries only as Entries is
// ranged over, so that a large CRL costs one walk. Errors wrap ErrInvalid
// for bytes that are not such a CRL, ErrSignature for one that issuer did
// not sign.
func Parse(der []byte, issuer *x509.Certificate) (*List, error) {
	input := cryptobyte.String(der)
	var outer, tbs, sigAlg cryptobyte.String
	var sig asn1.BitString
	if !input.ReadASN1(&outer, cbasn1.SEQUENCE) || !input.Empty() ||
		!outer.ReadASN1Element(&tbs, cbasn1.SEQUENCE) ||
		!outer.ReadASN1Element(&sigAlg, cbasn1.SEQUENCE) ||
		!outer.ReadASN1BitString(&sig) || !outer.Empty() || sig.BitLength%8 != 0 {
		return nil, fmt.Errorf("%w: not a DER CRL", ErrInvalid)
	}
	algo, err := signatureAlgorithm(sigAlg)
	if err != nil {
		return nil, err
	}
	l, err := parseTBS(tbs, sigAlg, issuer)
	if err != nil {
		return nil, err
	}
	if err := issuer.CheckSignature(algo, tbs, sig.Bytes); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	return l, nil
}

// signatureAlgorithm maps an AlgorithmIdentifier to the algorithm to check
// the signature with. RSA's parameters are NULL or absent; the others have none.
func signatureAlgorithm(der cryptobyte.String) (x509.SignatureAlgorithm, error) {
	var body cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !der.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1ObjectIdentifier(&oid) {
		return 0, fmt.Errorf("%w: bad signature algorithm", ErrInvalid)
	}
	for _, a := range sigAlgs {
		if !a.oid.Equal(oid) {
			continue
		}
		rsa := a.algo == x509.SHA256WithRSA || a.algo == x509.SHA384WithRSA || a.algo == x509.SHA512WithRSA
		if rsa && body.PeekASN1Tag(cbasn1.NULL) {
			var null cryptobyte.String
			if !body.ReadASN1(&null, cbasn1.NULL) || !null.Empty() {
				return 0, fmt.Errorf("%w: bad parameters for signature algorithm %s", ErrInvalid, oid)
			}
		}
		if !body.Empty() {
			return 0, fmt.Errorf("%w: bad parameters for signature algorithm %s", ErrInvalid, oid)
		}
		return a.algo, nil
	}
	return 0, fmt.Errorf("%w: signature algorithm %s is not one this toolkit signs with", ErrInvalid, oid)
}

// parseTBS reads the signed part of a CRL up to its entries, and its
// extensions for the CRL number: version v2, the same signature algorithm
// as outside, issuer's name, thisUpdate and nextUpdate.
func parseTBS(der, sigAlg cryptobyte.String, issuer *x509.Certificate) (*List, error) {
	var tbs, innerAlg, name cryptobyte.String
	var version int
	l := &List{}
	if !der.ReadASN1(&tbs, cbasn1.SEQUENCE) || !tbs.ReadASN1Integer(&version) || version != 1 ||
		!tbs.ReadASN1Element(&innerAlg, cbasn1.SEQUENCE) || !bytes.Equal(innerAlg, sigAlg) ||
		!tbs.ReadASN1Element(&name, cbasn1.SEQUENCE) || !readTime(&tbs, &l.ThisUpdate) {
		return nil, fmt.Errorf("%w: bad CRL header (a v2 CRL with one signature algorithm, an issuer and thisUpdate)", ErrInvalid)
	}
	if tbs.PeekASN1Tag(cbasn1.UTCTime) || tbs.PeekASN1Tag(cbasn1.GeneralizedTime) {
		if !readTime(&tbs, &l.NextUpdate) {
			return nil, fmt.Errorf("%w: bad nextUpdate", ErrInvalid)
		}
	}
	if tbs.PeekASN1Tag(cbasn1.SEQUENCE) && !tbs.ReadASN1(&l.entries, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: bad revokedCertificates", ErrInvalid)
	}
	var exts cryptobyte.String
	var present bool
	if !tbs.ReadOptionalASN1(&exts, &present, cbasn1.Tag(0).Constructed().ContextSpecific()) || !tbs.Empty() {
		return nil, fmt.Errorf("%w: bad CRL extensions", ErrInvalid)
	}
	if !bytes.Equal(name, issuer.RawSubject) {
		return nil, fmt.Errorf("%w: the CRL names another issuer than %s", ErrSignature, issuer.Subject)
	}
	err := readExtensions(exts, func(id asn1.ObjectIdentifier, v cryptobyte.String) bool {
		if id.Equal(oidCRLNumber) {
			l.Number = new(big.Int)
			return v.ReadASN1Integer(l.Number) && v.Empty() && l.Number.Sign() > 0
		}
		return true
	})
	if err != nil || l.Number == nil {
		return nil, fmt.Errorf("%w: no valid CRL number", ErrInvalid)
	}
	return l, nil
}

// readTime reads an RFC 5280 Time: UTCTime or GeneralizedTime.
func readTime(s *cryptobyte.String, t *time.Time) bool {
	if s.PeekASN1Tag(cbasn1.UTCTime) {
		return s.ReadASN1UTCTime(t)
	}
	return s.ReadASN1GeneralizedTime(t)
}

// readExtensions calls fn with the id and value of each extension in
// wrapped, which holds one Extensions SEQUENCE (the content of a CRL's
// [0] EXPLICIT tag, or what follows an entry's revocationDate) or nothing.
// fn returns false for a value it cannot read.
func readExtensions(wrapped cryptobyte.String, fn func(asn1.ObjectIdentifier, cryptobyte.String) bool) error {
	if len(wrapped) == 0 {
		return nil
	}
	var exts cryptobyte.String
	if !wrapped.ReadASN1(&exts, cbasn1.SEQUENCE) || !wrapped.Empty() {
		return fmt.Errorf("%w: bad extensions", ErrInvalid)
	}
	for !exts.Empty() {
		var ext, value cryptobyte.String
		var id asn1.ObjectIdentifier
		var critical bool
		// critical BOOLEAN DEFAULT FALSE is untagged: cryptobyte's
		// ReadOptionalASN1Boolean is for an EXPLICIT tag around it.
		if !exts.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&id) ||
			(ext.PeekASN1Tag(cbasn1.BOOLEAN) && !ext.ReadASN1Boolean(&critical)) ||
			!ext.ReadASN1(&value, cbasn1.OCTET_STRING) || !ext.Empty() || !fn(id, value) {
			return fmt.Errorf("%w: bad extension", ErrInvalid)
		}
	}
	return nil
}

// Entries returns the CRL's entries in the order it lists them, which for
// a CRL that Create made is increasing serial order; an entry whose serial
// is not above the one before, or that does not parse, ends the walk with
// an error wrapping ErrInvalid. Each call walks the entries anew.
func (l *List) Entries() iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		rest := l.entries
		var prev *big.Int
		for !rest.Empty() {
			e, err := readEntry(&rest)
			if err == nil && prev != nil && e.Serial.Cmp(prev) <= 0 {
				err = fmt.Errorf("%w: entry %x is out of serial order", ErrInvalid, e.Serial)
			}
			if err != nil {
				yield(Entry{}, err)
				return
			}
			if !yield(e, nil) {
				return
			}
			prev = e.Serial
		}
	}
}

// Find returns the entry of serial, if the CRL lists it.
func (l *List) Find(serial *big.Int) (Entry, bool, error) {
	for e, err := range l.Entries() {
		if err != nil {
			return Entry{}, false, err
		}
		if c := e.Serial.Cmp(serial); c >= 0 {
			return e, c == 0, nil
		}
	}
	return Entry{}, false, nil
}

// readEntry reads one revokedCertificates entry: serial, revocationDate and
// the reason code and invalidity date among its extensions.
func readEntry(s *cryptobyte.String) (Entry, error) {
	var body cryptobyte.String
	e := Entry{Serial: new(big.Int)}
	if !s.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1Integer(e.Serial) || e.Serial.Sign() <= 0 || !readTime(&body, &e.RevokedAt) {
		return Entry{}, fmt.Errorf("%w: bad CRL entry", ErrInvalid)
	}
	if body.Empty() {
		return e, nil
	}
	err := readExtensions(body, func(id asn1.ObjectIdentifier, v cryptobyte.String) bool {
		switch {
		case id.Equal(oidReasonCode):
			return v.ReadASN1Enum(&e.Reason) && v.Empty()
		case id.Equal(oidInvalidityDate):
			return v.ReadASN1GeneralizedTime(&e.InvalidityDate) && v.Empty()
		}
		return true
	})
	if err != nil {
		return Entry{}, fmt.Errorf("%w: entry %x: %v", ErrInvalid, e.Serial, err)
	}
	return e, nil
}
