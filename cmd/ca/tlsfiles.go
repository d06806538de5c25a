package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// readCertChainFile reads a certificate file of "ca serve --cert" or "ca
// probe --cert": PEM with one or more CERTIFICATE blocks (the leaf first,
// then its intermediates, as NAME.chain.pem has them) or one DER
// certificate.
func readCertChainFile(path string) ([]*x509.Certificate, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read certificate: %w", err)
	}
	return parseCertChainFile(f, path)
}

// readRegularCertChainFile is readCertChainFile for a certificate that
// must be a regular file ("ca serve --cert"): anything else is refused at
// once (pem.ErrNotRegularInput).
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

// readTLSKeyPair reads --cert and --key of "ca serve" and "ca probe" into
// a tls.Certificate (chain as the file has it, leaf first). An encrypted
// key opens with --key-passphrase-file or $CA_KEY_PASSPHRASE_FILE, else
// with the global passphrase sources (--passphrase-file, ...), like any
// key the user holds (passphrase.Sources.OpenKey). A key that group or others can read is refused.
func (g *globals) readTLSKeyPair(certPath, keyPath string) (tls.Certificate, error) {
	certs, err := readRegularCertChainFile(certPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	key, err := g.secrets().OpenKey(keyPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	if !pem.SamePublicKey(key.Public(), certs[0].PublicKey) {
		return tls.Certificate{}, usageError{fmt.Errorf("the key in %s does not belong to the certificate in %s (%s)", keyPath, certPath, certs[0].Subject)}
	}
	out := tls.Certificate{PrivateKey: key, Leaf: certs[0]}
	for _, c := range certs {
		out.Certificate = append(out.Certificate, c.Raw)
	}
	return out, nil
}
