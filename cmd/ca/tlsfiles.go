package main

import (
	"crypto/tls"
	"crypto/x509"
	stdpem "encoding/pem"
	"fmt"
	"os"

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
	defer f.Close()
	data, err := pem.ReadAll(f, pem.MaxSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var ders [][]byte
	if pem.IsPEM(data) {
		rest := data
		for {
			var b *stdpem.Block
			b, rest = stdpem.Decode(rest)
			if b == nil {
				break
			}
			if b.Type != pem.TypeCertificate {
				return nil, fmt.Errorf("%w: %s holds a %q block; want only CERTIFICATE blocks (leaf first)", pem.ErrMalformed, path, b.Type)
			}
			ders = append(ders, b.Bytes)
		}
	} else {
		der, _, err := pem.Decode(data, pem.MaxSize, pem.TypeCertificate)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		ders = append(ders, der)
	}
	if len(ders) == 0 {
		return nil, fmt.Errorf("%w: %s holds no certificate", pem.ErrMalformed, path)
	}
	certs := make([]*x509.Certificate, 0, len(ders))
	for i, der := range ders {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: certificate %d: %v", pem.ErrMalformed, path, i+1, err)
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// readTLSKeyPair reads --cert and --key of "ca serve" and "ca probe" into
// a tls.Certificate (chain as the file has it, leaf first). An encrypted
// key opens with --key-passphrase-file or $CA_KEY_PASSPHRASE_FILE, else
// with the global passphrase sources (--passphrase-file, ...), like any
// key the user holds. A key that group or others can read is refused.
func (g *globals) readTLSKeyPair(certPath, keyPath string) (tls.Certificate, error) {
	certs, err := readCertChainFile(certPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	key, err := g.readOwnKey(keyPath)
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
