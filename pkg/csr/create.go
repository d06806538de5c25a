package csr

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"net/url"
)

// Template is what "ca csr create" puts in a request: the subject and the
// subject alternative names. Nothing else is requested; the profile at
// signing time decides the extensions.
type Template struct {
	Subject        pkix.Name
	DNSNames       []string
	IPAddresses    []net.IP
	EmailAddresses []string
	URIs           []*url.URL
}

// Create makes a PKCS#10 request (RFC 2986) for t, signed by key, and
// returns its DER. The signature algorithm follows the key: ECDSA with
// SHA-256 on P-256 and SHA-384 on P-384, SHA-256 with PKCS#1 v1.5 for RSA,
// PureEd25519 for Ed25519; other keys are refused. Create encodes what it is
// given; whether the names are acceptable is for the issuer's Policy to say.
func Create(key crypto.Signer, t Template) ([]byte, error) {
	if key == nil {
		return nil, errors.New("csr: create request: no key")
	}
	alg, err := signatureAlgorithmFor(key.Public())
	if err != nil {
		return nil, fmt.Errorf("csr: create request: %w", err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		SignatureAlgorithm: alg,
		Subject:            t.Subject,
		DNSNames:           t.DNSNames,
		IPAddresses:        t.IPAddresses,
		EmailAddresses:     t.EmailAddresses,
		URIs:               t.URIs,
	}, key)
	if err != nil {
		return nil, fmt.Errorf("csr: create request: %w", err)
	}
	return der, nil
}

// signatureAlgorithmFor picks the signature algorithm for a public key.
func signatureAlgorithmFor(pub crypto.PublicKey) (x509.SignatureAlgorithm, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k == nil {
			break
		}
		switch k.Curve {
		case elliptic.P256():
			return x509.ECDSAWithSHA256, nil
		case elliptic.P384():
			return x509.ECDSAWithSHA384, nil
		}
		if k.Curve != nil {
			return 0, fmt.Errorf("ECDSA curve %s is not supported; use P-256 or P-384", k.Curve.Params().Name)
		}
	case *rsa.PublicKey:
		if k != nil {
			return x509.SHA256WithRSA, nil
		}
	case ed25519.PublicKey:
		return x509.PureEd25519, nil
	}
	return 0, fmt.Errorf("unsupported key type %T; use ECDSA P-256 or P-384, RSA or Ed25519", pub)
}
