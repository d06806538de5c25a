package csr

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Limits that hold whatever the policy says.
const (
	// MaxInputSize is the largest CSR (and policy file) accepted, in bytes.
	MaxInputSize = 1 << 20
	// MaxSANs is the default limit on the number of subject alternative
	// names in a request; Env.MaxSANs overrides it.
	MaxSANs = 100
)

// ParseDER parses a DER-encoded PKCS#10 request (RFC 2986) strictly and
// checks its self-signature. It returns:
//   - an error wrapping ErrMalformed for empty input, input over
//     MaxInputSize, trailing data, a version other than 0, or anything
//     x509.ParseCertificateRequest refuses;
//   - an error wrapping ErrWeakSignature for a request signed with MD2, MD5
//     or SHA-1 (crypto/x509 would accept SHA-1), checked before the
//     signature;
//   - an error wrapping ErrBadSignature when the signature does not verify;
//   - a *RefusalError for a request that is well-formed ASN.1 but carries
//     what every policy refuses and crypto/x509 cannot even parse or verify:
//     an extension requested twice, explicit or unsupported EC curve
//     parameters, a DNS name that is not ASCII, a key too weak to verify.
func ParseDER(der []byte) (*x509.CertificateRequest, error) {
	if len(der) == 0 {
		return nil, fmt.Errorf("%w: the input is empty", ErrMalformed)
	}
	if len(der) > MaxInputSize {
		return nil, fmt.Errorf("%w: the input is %d bytes, over the %d-byte limit", ErrMalformed, len(der), MaxInputSize)
	}
	c, err := x509.ParseCertificateRequest(der)
	if err != nil {
		if r := diagnose(der); r != nil {
			return nil, r
		}
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if c.Version != 0 {
		return nil, fmt.Errorf("%w: version %d; RFC 2986 requests are version 0 (v1)", ErrMalformed, c.Version)
	}
	switch c.SignatureAlgorithm {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
		return nil, fmt.Errorf("%w: %s; sign the request with SHA-256 or better", ErrWeakSignature, c.SignatureAlgorithm)
	}
	if err := c.CheckSignature(); err != nil {
		if c.PublicKey == nil {
			return nil, refusal("key", "keyTypes", publicKeyOID(c.RawSubjectPublicKeyInfo),
				"the public key algorithm is refused; use ECDSA P-256 or P-384, RSA or Ed25519")
		}
		if p := keyProblem(c.PublicKey); p != "" {
			return nil, refusal("key", "strength", keyValue(c.PublicKey), p)
		}
		return nil, fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	return c, nil
}

// publicKeyOID returns the algorithm OID of a SubjectPublicKeyInfo.
func publicKeyOID(spki []byte) string {
	var info struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(spki, &info); err != nil {
		return "unknown"
	}
	return info.Algorithm.Algorithm.String()
}

var (
	oidExtensionRequest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 14}
	oidPublicKeyECDSA   = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidCurveP256        = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidCurveP384        = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
)

// curveNames names some curves a refusal may meet.
var curveNames = map[string]string{
	"1.3.132.0.33":          "P-224",
	"1.3.132.0.35":          "P-521",
	"1.3.132.0.10":          "secp256k1",
	"1.2.840.10045.3.1.1":   "P-192",
	"1.3.36.3.3.2.8.1.1.7":  "brainpoolP256r1",
	"1.3.36.3.3.2.8.1.1.11": "brainpoolP384r1",
	"1.3.36.3.3.2.8.1.1.13": "brainpoolP512r1",
}

// diagnose looks into a request that crypto/x509 refused to parse for the
// rule breaks that make it refuse (rather than for bad encoding), and
// returns them as a refusal; nil when it finds none.
func diagnose(der []byte) *RefusalError {
	var csr struct {
		TBS struct {
			Raw       asn1.RawContent
			Version   int
			Subject   asn1.RawValue
			PublicKey struct {
				Algorithm pkix.AlgorithmIdentifier
				PublicKey asn1.BitString
			}
			RawAttributes []asn1.RawValue `asn1:"tag:0"`
		}
		SignatureAlgorithm pkix.AlgorithmIdentifier
		Signature          asn1.BitString
	}
	if rest, err := asn1.Unmarshal(der, &csr); err != nil || len(rest) != 0 {
		return nil
	}
	var errs []*PolicyError
	alg := csr.TBS.PublicKey.Algorithm
	if alg.Algorithm.Equal(oidPublicKeyECDSA) {
		var curve asn1.ObjectIdentifier
		if rest, err := asn1.Unmarshal(alg.Parameters.FullBytes, &curve); err != nil || len(rest) != 0 {
			errs = append(errs, &PolicyError{Field: "key", Rule: "strength", Value: "ecdsa",
				Reason: "explicit EC curve parameters are refused; use the named curve P-256 or P-384"})
		} else if !curve.Equal(oidCurveP256) && !curve.Equal(oidCurveP384) {
			name := curveNames[curve.String()]
			if name == "" {
				name = curve.String()
			}
			errs = append(errs, &PolicyError{Field: "key", Rule: "strength", Value: "ecdsa " + name,
				Reason: fmt.Sprintf("ECDSA curve %s is refused; use P-256 or P-384", name)})
		}
	}
	seen := map[string]bool{}
	for _, raw := range csr.TBS.RawAttributes {
		var attr struct {
			ID     asn1.ObjectIdentifier
			Values []asn1.RawValue `asn1:"set"`
		}
		if rest, err := asn1.Unmarshal(raw.FullBytes, &attr); err != nil || len(rest) != 0 || len(attr.Values) == 0 {
			continue
		}
		if !attr.ID.Equal(oidExtensionRequest) {
			continue
		}
		var exts []pkix.Extension
		if _, err := asn1.Unmarshal(attr.Values[0].FullBytes, &exts); err != nil {
			continue
		}
		for _, e := range exts {
			id := e.Id.String()
			if seen[id] {
				errs = append(errs, &PolicyError{Field: "extension", Rule: "unique", Value: extensionLabel(e.Id),
					Reason: "requested twice; request each extension at most once"})
			}
			seen[id] = true
			if e.Id.Equal(oidExtSAN) {
				errs = append(errs, nonASCIIDNSNames(e.Value)...)
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &RefusalError{Errors: errs}
}

// nonASCIIDNSNames finds dNSName SANs with non-ASCII bytes, which
// crypto/x509 refuses to parse, and words their refusal.
func nonASCIIDNSNames(san []byte) []*PolicyError {
	var errs []*PolicyError
	s := cryptobyte.String(san)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return nil
	}
	for !seq.Empty() {
		var name cryptobyte.String
		var tag cbasn1.Tag
		if !seq.ReadAnyASN1(&name, &tag) {
			return errs
		}
		if tag != cbasn1.Tag(2).ContextSpecific() {
			continue
		}
		for _, c := range []byte(name) {
			if c >= 0x80 {
				errs = append(errs, &PolicyError{Field: "san dns", Rule: "hostname", Value: string(name),
					Reason: nonASCIIHostname(string(name))})
				break
			}
		}
	}
	return errs
}
