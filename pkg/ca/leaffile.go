package ca

import (
	"crypto/x509"
	stdpem "encoding/pem"
	"fmt"
	"strings"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// ParseLeafFile parses data, read from the file called name (for
// messages), where one certificate is wanted: PEM or DER holding that
// certificate alone, or PEM holding it first and then its chain, each
// certificate signed by the one after it (NAME.chain.pem, the output of
// "sign csr --chain", issuers/NAME/chain.pem). It returns the certificates,
// the leaf first. A file of several certificates that are not one chain is
// an error wrapping pem.ErrMalformed that lists them, so that the user can
// put the one meant in a file of its own; other errors are those of
// ParseCertificateFile.
func ParseLeafFile(name string, data []byte) ([]*x509.Certificate, error) {
	if pemBlocks(data) < 2 {
		c, err := parseOneCertificate(name, data)
		if err != nil {
			return nil, err
		}
		return []*x509.Certificate{c}, nil
	}
	if len(data) > pem.MaxSize {
		return nil, fmt.Errorf("%s: %w (%d bytes, the limit is %d)", name, pem.ErrTooLarge, len(data), pem.MaxSize)
	}
	certs, err := ParseChainFile(name, data)
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(certs); i++ {
		if certs[i].CheckSignatureFrom(certs[i+1]) != nil {
			return nil, notOneChain(name, certs, i)
		}
	}
	return certs, nil
}

// notOneChain is the error of ParseLeafFile for certificates where
// certs[i+1] did not sign certs[i].
func notOneChain(name string, certs []*x509.Certificate, i int) error {
	list := make([]string, len(certs))
	for k, c := range certs {
		list[k] = fmt.Sprintf("%d. %s (serial %s)", k+1, Printable(c.Subject.String()), FormatSerial(c.SerialNumber))
	}
	return fmt.Errorf("%w: %s holds %d certificates that are not one certificate and its chain (certificate %d did not sign certificate %d); "+
		"put the one certificate meant in a file of its own and pass that file (the file holds: %s)",
		pem.ErrMalformed, name, len(certs), i+2, i+1, strings.Join(list, "; "))
}

// pemBlocks counts the PEM blocks of data (0 for DER).
func pemBlocks(data []byte) int {
	if !pem.IsPEM(data) {
		return 0
	}
	n := 0
	for rest := data; ; n++ {
		var b *stdpem.Block
		if b, rest = stdpem.Decode(rest); b == nil {
			return n
		}
	}
}

// firstBlockType is the type of the first PEM block of data.
func firstBlockType(data []byte) string {
	if b, _ := stdpem.Decode(data); b != nil {
		return b.Type
	}
	return ""
}
