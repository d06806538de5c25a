package home

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// OpenKeyFunc opens the private key of a certificate holder (not an
// issuer's) from a file, asking for its passphrase as the caller does
// (passphrase.Sources.OpenKey).
type OpenKeyFunc func(path string) (crypto.Signer, error)

// ReadCertChainFile reads a certificate file of "ca serve --cert" or "ca
// probe --cert" (or --ca): PEM with one or more CERTIFICATE blocks (the
// leaf first, then its intermediates, as NAME.chain.pem has them) or one
// DER certificate. Errors wrap pem.ErrMalformed, pem.ErrTooLarge or the
// error of opening the file.
func ReadCertChainFile(path string) ([]*x509.Certificate, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read certificate: %w", err)
	}
	return parseCertChainFile(f, path)
}

// readRegularCertChainFile is ReadCertChainFile for a certificate that
// must be a regular file: anything else is refused at once
// (pem.ErrNotRegularInput).
func readRegularCertChainFile(path string) ([]*x509.Certificate, error) {
	f, _, err := pem.OpenRegular(path)
	if errors.Is(err, pem.ErrNotRegularInput) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("read certificate: %w", err)
	}
	return parseCertChainFile(f, path)
}

// parseCertChainFile reads, closes and parses a certificate chain file.
func parseCertChainFile(f *os.File, path string) ([]*x509.Certificate, error) {
	defer f.Close()
	data, err := pem.ReadAll(f, pem.MaxSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ca.ParseChainFile(path, data)
}

// ReadCertPool reads the certificates of a file (ReadCertChainFile) into
// a pool: the roots of "ca probe --ca".
func ReadCertPool(path string) (*x509.CertPool, error) {
	certs, err := ReadCertChainFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// ReadTLSKeyPair reads --cert and --key of "ca serve" and "ca probe" into
// a tls.Certificate (the chain as the file has it, leaf first). The
// certificate file must be a regular file (pem.ErrNotRegularInput); the
// key opens with openKey, which refuses a key that group or others can
// read. A key that does not belong to the certificate is ca.ErrUsage.
func ReadTLSKeyPair(certPath, keyPath string, openKey OpenKeyFunc) (tls.Certificate, error) {
	certs, err := readRegularCertChainFile(certPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	key, err := openKey(keyPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	if !pem.SamePublicKey(key.Public(), certs[0].PublicKey) {
		return tls.Certificate{}, usageErr{fmt.Errorf("the key in %s does not belong to the certificate in %s (%s)", keyPath, certPath, certs[0].Subject)}
	}
	out := tls.Certificate{PrivateKey: key, Leaf: certs[0]}
	for _, c := range certs {
		out.Certificate = append(out.Certificate, c.Raw)
	}
	return out, nil
}
