package ca

import (
	"crypto/x509"
	"fmt"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// ParseCertificateFile parses data, one certificate in PEM or DER, read
// from the file called name (for messages); the certificate may be
// followed by its chain (ParseLeafFile), which is not returned. Errors wrap
// pem.ErrMalformed or pem.ErrTooLarge.
func ParseCertificateFile(name string, data []byte) (*x509.Certificate, error) {
	certs, err := ParseLeafFile(name, data)
	if err != nil {
		return nil, err
	}
	return certs[0], nil
}

// parseOneCertificate parses data, exactly one certificate in PEM or DER.
func parseOneCertificate(name string, data []byte) (*x509.Certificate, error) {
	der, _, err := pem.Decode(data, pem.MaxSize, pem.TypeCertificate)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", pem.ErrMalformed, name, err)
	}
	return cert, nil
}

// ParseChainFile parses data, read from the file called name (for
// messages): PEM with one or more CERTIFICATE blocks (the leaf first, then
// its intermediates, as EncodeChain writes them) or one DER certificate.
// Errors wrap pem.ErrMalformed or pem.ErrTooLarge.
func ParseChainFile(name string, data []byte) ([]*x509.Certificate, error) {
	ders, err := chainDERs(name, data)
	if err != nil {
		return nil, err
	}
	certs := make([]*x509.Certificate, 0, len(ders))
	for i, der := range ders {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: certificate %d: %v", pem.ErrMalformed, name, i+1, err)
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// chainDERs frames the certificates of a chain file.
func chainDERs(name string, data []byte) ([][]byte, error) {
	var ders [][]byte
	if pem.IsPEM(data) {
		var other string
		if ders, other = pem.Blocks(data, pem.TypeCertificate); other != "" {
			return nil, fmt.Errorf("%w: %s holds a %q block; want only CERTIFICATE blocks (leaf first)", pem.ErrMalformed, name, other)
		}
	} else {
		der, _, err := pem.Decode(data, pem.MaxSize, pem.TypeCertificate)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		ders = append(ders, der)
	}
	if len(ders) == 0 {
		return nil, fmt.Errorf("%w: %s holds no certificate", pem.ErrMalformed, name)
	}
	return ders, nil
}
