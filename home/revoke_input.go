package home

import (
	"crypto/x509"
	"fmt"
	"io"
	"math/big"
	"os"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// RevokeInput is what "ca revoke" is given, as the user gave it.
type RevokeInput struct {
	Serials        []string // serials, hex in any case, with or without colons
	CertFiles      []string // certificate files, PEM or DER ("-" is stdin)
	Reason         string   // an RFC 5280 reason name (ca.ParseReason)
	InvalidityDate string   // RFC 3339, or "" for none
}

// RevokeList is a RevokeInput checked and read, what Revoke takes.
type RevokeList struct {
	Serials    []*big.Int
	Certs      []*x509.Certificate
	Reason     ca.Reason
	Invalidity time.Time // zero for none
}

// Parse checks in and reads its certificate files, reading "-" from
// stdin: a bad reason, date or serial is ca.ErrUsage (or the error of
// ca.ParseSerial); a file that cannot be read says "read certificate"
// (fs.ErrNotExist for a missing one), one that does not parse as
// ca.ParseCertificateFile says.
func (in RevokeInput) Parse(stdin io.Reader) (*RevokeList, error) {
	reason, err := ca.ParseReason(in.Reason)
	if err != nil {
		return nil, err
	}
	l := &RevokeList{Reason: reason, Serials: make([]*big.Int, 0, len(in.Serials)+len(in.CertFiles))}
	if in.InvalidityDate != "" {
		if l.Invalidity, err = time.Parse(time.RFC3339, in.InvalidityDate); err != nil {
			return nil, usageErr{fmt.Errorf("--invalidity-date %q: use RFC 3339, like 2026-01-02T15:04:05Z", in.InvalidityDate)}
		}
	}
	for _, a := range in.Serials {
		s, err := ca.ParseSerial(a)
		if err != nil {
			return nil, err
		}
		l.Serials = append(l.Serials, s)
	}
	l.Certs = make([]*x509.Certificate, 0, len(in.CertFiles))
	for _, p := range in.CertFiles {
		c, err := readCertificate(stdin, p)
		if err != nil {
			return nil, err
		}
		l.Certs = append(l.Certs, c)
	}
	return l, nil
}

// readCertificate reads one certificate, PEM or DER, of at most
// pem.MaxSize bytes, from path ("-" is stdin) for "ca revoke --cert":
// errors say "read certificate" (fs.ErrNotExist for a missing file), then
// as ca.ParseCertificateFile.
func readCertificate(stdin io.Reader, path string) (*x509.Certificate, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("read certificate: %w", err)
		}
		defer f.Close()
		r = f
	}
	data, err := pem.ReadAll(r, pem.MaxSize)
	if err != nil {
		return nil, fmt.Errorf("read certificate %s: %w", path, err)
	}
	return ca.ParseCertificateFile(path, data)
}
