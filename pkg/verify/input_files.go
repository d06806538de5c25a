package verify

import (
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// Input is what a strict verification is given as a user gives it ("ca
// verify --roots"): files to read and values to parse into Options. Each
// field is named after its flag in errors.
type Input struct {
	Roots     string   // --roots: a file of root certificates (required)
	Untrusted string   // --untrusted: a file of certificates that may serve as intermediates
	DNS       string   // --dns: the DNS name the leaf must hold
	IP        string   // --ip: the IP address the leaf must hold (brackets allowed)
	Email     string   // --email: the email address the leaf must hold
	Purpose   string   // --purpose: server, client or any ("" is any)
	At        string   // --at: RFC 3339 or @UNIX seconds ("" is now)
	CRLs      []string // --crl: CRL files, PEM or DER
}

// VerifyPath verifies the certificate file path ("-" is stdin; the leaf,
// then any chain) against in at now (VerifyFile). Errors about the input
// name it; they wrap ErrMalformed when it cannot be used.
func VerifyPath(stdin io.Reader, path string, in Input, now time.Time) (*Result, error) {
	data, err := ReadFile(stdin, path, "certificate")
	if err != nil {
		return nil, err
	}
	opts, err := in.options(now)
	if err != nil {
		return nil, err
	}
	res, err := VerifyFile(data, opts)
	if err != nil {
		return nil, fmt.Errorf("certificate %s: %w", path, err)
	}
	return res, nil
}

// options reads the files of in and parses its values, verifying at now
// when in.At is "". Errors name the flag; they wrap ErrMalformed when a
// value or file cannot be used.
func (in Input) options(now time.Time) (Options, error) {
	opts := Options{DNSName: in.DNS, Email: in.Email, At: now}
	var err error
	if opts.Roots, err = readCertificates("--roots", in.Roots); err != nil {
		return opts, err
	}
	if len(opts.Roots) == 0 {
		return opts, fmt.Errorf("%w: --roots %s holds no certificate", ErrMalformed, in.Roots)
	}
	if in.Untrusted != "" {
		if opts.Intermediates, err = readCertificates("--untrusted", in.Untrusted); err != nil {
			return opts, err
		}
	}
	if in.IP != "" {
		if opts.IP = net.ParseIP(strings.Trim(in.IP, "[]")); opts.IP == nil {
			return opts, fmt.Errorf("%w: --ip %q is not an IP address", ErrMalformed, in.IP)
		}
	}
	if opts.Purpose, err = ParsePurpose(in.Purpose); err != nil {
		return opts, fmt.Errorf("--purpose: %w", err)
	}
	if in.At != "" {
		if opts.At, err = ParseTime(in.At); err != nil {
			return opts, fmt.Errorf("--at: %w", err)
		}
	}
	opts.CRLs, err = readCRLs(in.CRLs)
	return opts, err
}

// readCertificates reads the certificates of the file path given by flag.
func readCertificates(flag, path string) ([]*x509.Certificate, error) {
	data, err := ReadFile(nil, path, "certificate")
	if err != nil {
		return nil, err
	}
	certs, err := ParseCertificates(data)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", flag, path, err)
	}
	return certs, nil
}

// readCRLs reads the CRLs of the files paths (--crl).
func readCRLs(paths []string) ([]*CRL, error) {
	var out []*CRL
	for _, f := range paths {
		data, err := ReadFile(nil, f, "CRL")
		if err != nil {
			return nil, err
		}
		crls, err := ParseCRLs(f, data)
		if err != nil {
			return nil, fmt.Errorf("--crl %s: %w", f, err)
		}
		out = append(out, crls...)
	}
	return out, nil
}

// ReadFile reads a certificate file (what is "certificate", bounded at
// pem.MaxSize) or a CRL file (what is "CRL", bounded at pem.MaxCRLSize);
// path "-" is stdin when stdin is not nil. A path that is not a regular
// file wraps ErrMalformed.
func ReadFile(stdin io.Reader, path, what string) ([]byte, error) {
	limit := pem.MaxSize
	if what == "CRL" {
		limit = pem.MaxCRLSize
	}
	if path == "-" && stdin != nil {
		return pem.ReadAll(stdin, limit)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s %s is not a regular file", ErrMalformed, what, path)
	}
	data, err := pem.ReadAll(f, limit)
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", what, path, err)
	}
	return data, nil
}
