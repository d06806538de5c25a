package publish

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// OCSP response statuses (RFC 6960, 4.2.1) this responder sends without a
// signed body.
const (
	statusMalformed    = 1
	statusInternal     = 2
	statusUnauthorized = 6
)

// errorResponse is the unsigned OCSPResponse of one status.
func errorResponse(status byte) []byte { return []byte{0x30, 0x03, 0x0a, 0x01, status} }

var (
	oidNonce     = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}
	oidOCSPBasic = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	hashOIDs     = map[string]crypto.Hash{
		asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}.String():             crypto.SHA1,
		asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}.String(): crypto.SHA256,
		asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}.String(): crypto.SHA384,
		asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}.String(): crypto.SHA512,
	}
)

// errMalformed is a request that does not parse as RFC 6960 says.
var errMalformed = errors.New("publish: malformed OCSP request")

// request is the one certificate an OCSP request asks about.
type request struct {
	hash     crypto.Hash
	nameHash []byte
	keyHash  []byte
	serial   *big.Int
	certID   []byte // the CertID as the client encoded it, echoed in the response
	nonce    []byte // the nonce extension's extnValue; nil without one
	plain    bool   // no extension but a nonce
}

// parseRequest parses a DER OCSPRequest (RFC 6960, 4.1.1) asking about
// exactly one certificate. Its signature, when signed, is ignored (anyone
// may ask). A request for several certificates, with an unknown critical
// extension or a nonce that is not an OCTET STRING of 1 to 32 octets (RFC
// 8954) is malformed.
func parseRequest(der []byte) (*request, error) {
	var outer, tbs, list, one cryptobyte.String
	in := cryptobyte.String(der)
	if !in.ReadASN1(&outer, cbasn1.SEQUENCE) || !in.Empty() || !outer.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return nil, errMalformed
	}
	tagV, tagName, tagExt := cbasn1.Tag(0).Constructed().ContextSpecific(), cbasn1.Tag(1).Constructed().ContextSpecific(), cbasn1.Tag(2).Constructed().ContextSpecific()
	if !tbs.SkipOptionalASN1(tagV) || !tbs.SkipOptionalASN1(tagName) || !tbs.ReadASN1(&list, cbasn1.SEQUENCE) ||
		!list.ReadASN1(&one, cbasn1.SEQUENCE) || !list.Empty() {
		return nil, errMalformed
	}
	r := &request{plain: true}
	if err := r.readCertID(&one); err != nil {
		return nil, err
	}
	if !one.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) || !one.Empty() {
		return nil, errMalformed
	}
	var exts cryptobyte.String
	var hasExts bool
	if !tbs.ReadOptionalASN1(&exts, &hasExts, tagExt) || !tbs.Empty() {
		return nil, errMalformed
	}
	if hasExts {
		if err := r.readExtensions(exts); err != nil {
			return nil, err
		}
	}
	// The optional signature: accepted and not checked.
	if !outer.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) || !outer.Empty() {
		return nil, errMalformed
	}
	return r, nil
}

// readCertID reads a CertID, keeping its encoding.
func (r *request) readCertID(s *cryptobyte.String) error {
	var raw, id, alg cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1Element(&raw, cbasn1.SEQUENCE) {
		return errMalformed
	}
	elem := raw
	if !elem.ReadASN1(&id, cbasn1.SEQUENCE) || !id.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) {
		return errMalformed
	}
	r.hash = hashOIDs[oid.String()]
	r.serial = new(big.Int)
	var name, key cryptobyte.String
	if r.hash == 0 || !id.ReadASN1(&name, cbasn1.OCTET_STRING) || !id.ReadASN1(&key, cbasn1.OCTET_STRING) ||
		!id.ReadASN1Integer(r.serial) || !id.Empty() {
		return errMalformed
	}
	r.nameHash, r.keyHash, r.certID = name, key, raw
	return nil
}

// readExtensions reads the request extensions: the nonce is kept, other
// non-critical ones are ignored, critical ones refused.
func (r *request) readExtensions(wrapped cryptobyte.String) error {
	var exts cryptobyte.String
	if !wrapped.ReadASN1(&exts, cbasn1.SEQUENCE) || !wrapped.Empty() {
		return errMalformed
	}
	for !exts.Empty() {
		var ext, value cryptobyte.String
		var oid asn1.ObjectIdentifier
		var critical bool
		// critical BOOLEAN DEFAULT FALSE is untagged (cryptobyte's
		// ReadOptionalASN1Boolean is for an EXPLICIT tag around it).
		if !exts.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&oid) ||
			(ext.PeekASN1Tag(cbasn1.BOOLEAN) && !ext.ReadASN1Boolean(&critical)) || !ext.ReadASN1(&value, cbasn1.OCTET_STRING) || !ext.Empty() {
			return errMalformed
		}
		if !oid.Equal(oidNonce) {
			if critical {
				return errMalformed
			}
			r.plain = false
			continue
		}
		var n cryptobyte.String
		v := value
		if r.nonce != nil || !v.ReadASN1(&n, cbasn1.OCTET_STRING) || !v.Empty() || len(n) < 1 || len(n) > 32 {
			return errMalformed
		}
		r.nonce = value
	}
	return nil
}

// status is what the responder says of one certificate.
type status struct {
	kind      int // good, revoked or unknown
	revokedAt time.Time
	reason    int // RFC 5280 reason code; 0 (unspecified) is left out
}

// Certificate statuses (RFC 6960, 4.2.1).
const (
	good    = 0
	revoked = 1
	unknown = 2
)

// responder signs responses: a key, its signature algorithm, its key hash
// (the responder ID, byKey) and the certificate to send along (a delegated
// responder's; nil when the issuer signs).
type responder struct {
	signer crypto.Signer
	alg    sigAlg
	keyID  []byte
	cert   []byte
	// notAfter and renewAt of a delegated responder's certificate; zero
	// for an issuer.
	notAfter, renewAt time.Time
}

func newResponder(signer crypto.Signer, cert *x509.Certificate, send bool) (*responder, error) {
	alg, err := signingAlgorithm(signer.Public())
	if err != nil {
		return nil, err
	}
	var spki struct {
		Algorithm asn1.RawValue
		Key       asn1.BitString
	}
	if _, err := asn1.Unmarshal(cert.RawSubjectPublicKeyInfo, &spki); err != nil {
		return nil, fmt.Errorf("publish: responder key: %w", err)
	}
	sum := sha1.Sum(spki.Key.RightAlign())
	r := &responder{signer: signer, alg: alg, keyID: sum[:]}
	if send {
		r.cert = cert.Raw
	}
	return r, nil
}

// sign encodes and signs a successful OCSPResponse (RFC 6960, 4.2.1) for
// req: st, thisUpdate, nextUpdate and producedAt now, the nonce echoed.
func (p *responder) sign(req *request, st status, thisUpdate, nextUpdate, now time.Time) ([]byte, error) {
	tbs := cryptobyte.NewBuilder(make([]byte, 0, 256))
	tbs.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ResponseData
		b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { // byKey
			b.AddASN1OctetString(p.keyID)
		})
		b.AddASN1GeneralizedTime(now.UTC().Truncate(time.Second))
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // responses
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SingleResponse
				b.AddBytes(req.certID)
				addStatus(b, st)
				b.AddASN1GeneralizedTime(thisUpdate.UTC())
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1GeneralizedTime(nextUpdate.UTC())
				})
			})
		})
		if req.nonce != nil {
			b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oidNonce)
						b.AddASN1OctetString(req.nonce)
					})
				})
			})
		}
	})
	data, err := tbs.Bytes()
	if err != nil {
		return nil, fmt.Errorf("publish: encode response: %w", err)
	}
	sig, err := p.alg.sign(p.signer, data)
	if err != nil {
		return nil, err
	}
	return p.wrap(data, sig)
}

func addStatus(b *cryptobyte.Builder, st status) {
	switch st.kind {
	case good:
		b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(*cryptobyte.Builder) {})
	case revoked:
		b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1GeneralizedTime(st.revokedAt.UTC())
			if st.reason != 0 {
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1Enum(int64(st.reason))
				})
			}
		})
	default:
		b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(*cryptobyte.Builder) {})
	}
}

// wrap builds the OCSPResponse around the signed ResponseData.
func (p *responder) wrap(tbs, sig []byte) ([]byte, error) {
	b := cryptobyte.NewBuilder(make([]byte, 0, len(tbs)+len(sig)+len(p.cert)+64))
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Enum(0) // successful
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidOCSPBasic)
				b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // BasicOCSPResponse
						b.AddBytes(tbs)
						p.alg.marshal(b)
						b.AddASN1BitString(sig)
						if p.cert != nil {
							b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
								b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddBytes(p.cert) })
							})
						}
					})
				})
			})
		})
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("publish: encode response: %w", err)
	}
	return out, nil
}

// sigAlg is a signature algorithm: its identifier and the hash it signs.
type sigAlg struct {
	oid    asn1.ObjectIdentifier
	hash   crypto.Hash // 0 for Ed25519, which signs the message
	params bool        // the AlgorithmIdentifier carries NULL parameters (RSA)
}

// signingAlgorithm picks what crypto/x509 picks for the key: SHA-256 for
// P-256 and RSA, SHA-384 for P-384, Ed25519 for Ed25519.
func signingAlgorithm(pub crypto.PublicKey) (sigAlg, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return sigAlg{oid: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}, hash: crypto.SHA256}, nil
		case elliptic.P384():
			return sigAlg{oid: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}, hash: crypto.SHA384}, nil
		}
	case *rsa.PublicKey:
		return sigAlg{oid: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, hash: crypto.SHA256, params: true}, nil
	case ed25519.PublicKey:
		return sigAlg{oid: asn1.ObjectIdentifier{1, 3, 101, 112}}, nil
	}
	return sigAlg{}, fmt.Errorf("publish: a %T key cannot sign OCSP responses here", pub)
}

func (a sigAlg) marshal(b *cryptobyte.Builder) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(a.oid)
		if a.params {
			b.AddASN1NULL()
		}
	})
}

func (a sigAlg) sign(signer crypto.Signer, data []byte) ([]byte, error) {
	msg := data
	if a.hash != 0 {
		h := a.hash.New()
		h.Write(data)
		msg = h.Sum(nil)
	}
	sig, err := signer.Sign(rand.Reader, msg, a.hash)
	if err != nil {
		return nil, fmt.Errorf("publish: sign response: %w", err)
	}
	return sig, nil
}
