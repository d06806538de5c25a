package ca

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// ErrFileMismatch: a file of the home says something other than the store's
// record of it (an issuer's cert.pem replaced on disk, say). Commands that
// find it refuse to use that issuer; "ca store check" reports it.
var ErrFileMismatch = errors.New("ca: the home's files differ from the store")

// CheckCertFile returns nil when certPEM, the contents of the issuer's
// cert.pem, is exactly the certificate the store records for it; else an
// error matching ErrFileMismatch. A swapped cert.pem would be handed out as
// the home's trust anchor (serve prints its path) while signing goes on
// under the recorded one.
func (r *IssuerRecord) CheckCertFile(certPEM []byte) error {
	der, _, err := pem.Decode(certPEM, pem.MaxSize, pem.TypeCertificate)
	if err != nil {
		return fmt.Errorf("%w: issuer %s: its cert.pem is not one certificate: %v", ErrFileMismatch, r.Name, err)
	}
	if !bytes.Equal(der, r.DER) {
		return fmt.Errorf("%w: issuer %s: its cert.pem is not the certificate the store records for it (replaced on disk?)", ErrFileMismatch, r.Name)
	}
	return nil
}
