package home

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// IsFileArg reports whether arg, a command's FILE|SERIAL argument, names a
// file: "-" (stdin) or a path that exists. Anything else is a serial.
func IsFileArg(arg string) bool {
	if arg == "-" {
		return true
	}
	_, err := os.Stat(arg)
	return err == nil
}

// readFile reads a file a command names ("-" is stdin) up to limit bytes:
// ca.ErrNotFound when it does not exist; pem.ReadAll's errors, after the
// path, when it cannot be read whole.
func readFile(stdin io.Reader, path string, limit int) ([]byte, error) {
	if path == "-" {
		return pem.ReadAll(stdin, limit)
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ca.ErrNotFound, path)
		}
		return nil, err
	}
	defer f.Close()
	data, err := pem.ReadAll(f, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}

// ReadCertificateFile reads one certificate, PEM or DER, from path ("-" is
// stdin): ca.ErrNotFound when the file does not exist, the path before
// the error when it cannot be read whole, then ca.ParseCertificateFile's
// errors.
func ReadCertificateFile(stdin io.Reader, path string) (*x509.Certificate, error) {
	data, err := readFile(stdin, path, pem.MaxSize)
	if err != nil {
		return nil, err
	}
	return ca.ParseCertificateFile(path, data)
}

// DescribeFile reads a certificate, CSR or CRL, PEM or DER, from path ("-"
// is stdin) and describes it ("ca show FILE", ca.Describe): a
// *ca.CertificateInfo, *ca.RequestInfo or *ca.CRLInfo.
func DescribeFile(stdin io.Reader, path string) (TextReport, error) {
	data, err := readFile(stdin, path, pem.MaxCRLSize)
	if err != nil {
		return nil, err
	}
	v, err := ca.Describe(path, data)
	if err != nil {
		return nil, err
	}
	d, ok := v.(TextReport)
	if !ok {
		return nil, fmt.Errorf("home: %T cannot be shown", v)
	}
	return d, nil
}
