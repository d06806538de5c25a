package ca

import (
	"crypto"
	"crypto/x509"
	"fmt"

	gopkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// PKCS12Encryption names how EncodePKCS12 protects a bundle.
const PKCS12Encryption = "PBES2 PBKDF2-SHA256 AES-256-CBC, MAC SHA-256"

// PKCS12 is what a PKCS#12 (.p12, .pfx) file bundles: a certificate, its
// private key and the certificate's intermediates (not the root).
type PKCS12 struct {
	Cert  *x509.Certificate
	Chain []*x509.Certificate
	Key   crypto.Signer
	// KeyName names the key (its file) in messages.
	KeyName string
}

// Encode checks that Key is the key of Cert (else ErrRefused), then asks
// password for the bundle's password and encodes the bundle with it:
// PBES2 (PBKDF2-HMAC-SHA-256, AES-256-CBC) and a SHA-256 MAC, go-pkcs12's
// Modern2023 (OpenSSL 1.1.1+, Java 12+, Windows Server 2019+). The
// password is cleared once used.
func (p PKCS12) Encode(password func() ([]byte, error)) ([]byte, error) {
	if !pem.SamePublicKey(p.Key.Public(), p.Cert.PublicKey) {
		return nil, fmt.Errorf("%w: %s is not the key of certificate %s (%s); give the key its CSR or ca issue wrote",
			ErrRefused, p.KeyName, FormatSerial(p.Cert.SerialNumber), p.Cert.Subject)
	}
	pass, err := password()
	if err != nil {
		return nil, err
	}
	pfx, err := gopkcs12.Modern2023.Encode(p.Key, p.Cert, p.Chain, string(pass)) // the library takes a string
	clear(pass)
	if err != nil {
		return nil, fmt.Errorf("ca: encode PKCS#12: %w", err)
	}
	return pfx, nil
}
