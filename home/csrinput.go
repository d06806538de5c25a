package home

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// typeNewCSR is the block type older tools (Netscape, some Java) write.
const typeNewCSR = "NEW CERTIFICATE REQUEST"

// CSRInput is one certificate request named on a command line ("ca sign
// csr", "ca policy check"), read and parsed: Request is set when Err is nil.
type CSRInput struct {
	Arg     string // the argument as given; "-" is stdin
	CSR     *x509.CertificateRequest
	Request csr.Request
	Err     error
	Size    int // bytes read

	lazy bool // not read yet: read and parsed in a worker (SignConfig.PreRead)
}

// Label names the input in messages: its file, or "stdin".
func (in *CSRInput) Label() string {
	if in.Arg == "-" {
		return "stdin"
	}
	return in.Arg
}

// ReadCSR reads one CSR in PEM or DER from the file arg or, for "-", from
// stdin: at most pem.MaxSize bytes (more is refused without reading
// further), exactly one CERTIFICATE REQUEST block or DER without trailing
// data, a signature that verifies and is not SHA-1. What went wrong is in
// the input's Err.
func ReadCSR(arg string, stdin io.Reader) *CSRInput {
	return readCSRWith(arg, func(arg string) ([]byte, error) { return readInput(arg, stdin) })
}

// readCSRWith is ReadCSR with its reader.
func readCSRWith(arg string, read func(string) ([]byte, error)) *CSRInput {
	in := &CSRInput{Arg: arg}
	data, err := read(arg)
	if err != nil {
		in.Err = err
		return in
	}
	in.Size = len(data)
	der, _, err := pem.Decode(data, pem.MaxSize, pem.TypeCSR, typeNewCSR)
	if err != nil {
		in.Err = err
		return in
	}
	if in.CSR, err = csr.ParseDER(der); err != nil {
		in.Err = err
		return in
	}
	in.Request, in.Err = csr.RequestFromCSR(in.CSR)
	return in
}

func readInput(arg string, stdin io.Reader) ([]byte, error) {
	if arg == "-" {
		return pem.ReadAll(stdin, pem.MaxSize)
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, fmt.Errorf("read CSR: %w", err)
	}
	defer f.Close()
	return pem.ReadAll(f, pem.MaxSize)
}

// readRegularCSR reads a CSR file that was a regular file when the run
// started (a lazy input): one swapped for a FIFO since is refused rather
// than waited on, the store being held.
func readRegularCSR(path string) ([]byte, error) {
	f, _, err := pem.OpenRegular(path)
	if errors.Is(err, pem.ErrNotRegularInput) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("read CSR: %w", err)
	}
	defer f.Close()
	return pem.ReadAll(f, pem.MaxSize)
}

// isRegularFile reports whether path is a regular file (a symlink to one
// too).
func isRegularFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// readCSRs reads the requests of args until budget bytes are read; the
// rest are left to be read later (lazy), so that memory stays bounded
// however many large files are given. Only regular files are left for
// later: stdin and a pipe (a FIFO, <(...)) may wait for their writer,
// which must never happen with the store held.
func readCSRs(args []string, stdin io.Reader, budget int) []*CSRInput {
	inputs := make([]*CSRInput, len(args))
	for i, arg := range args {
		if budget <= 0 && arg != "-" && isRegularFile(arg) {
			inputs[i] = &CSRInput{Arg: arg, lazy: true}
			continue
		}
		inputs[i] = ReadCSR(arg, stdin)
		budget -= inputs[i].Size
	}
	return inputs
}

// Failures lists the rules err says a request broke, each failing: every
// rule of a *csr.RefusalError, else the signature (csr.ErrBadSignature,
// csr.ErrWeakSignature) or the size (pem.ErrTooLarge); none for any other
// error.
func Failures(err error) []csr.Check {
	var re *csr.RefusalError
	if errors.As(err, &re) {
		out := make([]csr.Check, len(re.Errors))
		for i, pe := range re.Errors {
			out[i] = csr.Check{Field: pe.Field, Rule: pe.Rule, Value: pe.Value, Reason: pe.Reason}
		}
		return out
	}
	reason := strings.TrimPrefix(fmt.Sprint(err), "ca: ")
	switch {
	case errors.Is(err, csr.ErrBadSignature):
		return []csr.Check{{Field: "signature", Rule: "verify", Reason: reason}}
	case errors.Is(err, csr.ErrWeakSignature):
		return []csr.Check{{Field: "signature", Rule: "hash", Reason: reason}}
	case errors.Is(err, pem.ErrTooLarge):
		return []csr.Check{{Field: "input", Rule: "maxSize", Value: fmt.Sprint(pem.MaxSize), Reason: reason}}
	}
	return nil
}

// CheckCSR is the dry run of SignCSRs for a request read by ReadCSR: what
// reading it found (its signature verifies, or every rule its refusal
// names: Failures), then, when it was read, CheckRequest's checks with the
// issuer called name. Input that breaks no rule it can name (it does not
// parse at all) is an error, prefixed with the input's label. It returns
// the issuer's name (name itself when the request was not judged) and the
// checks.
func (h *Home) CheckCSR(ctx context.Context, name string, in *CSRInput, o ca.SignOptions) (string, []csr.Check, error) {
	if in.Err != nil {
		checks := Failures(in.Err)
		if len(checks) == 0 {
			return "", nil, fmt.Errorf("%s: %w", in.Label(), in.Err)
		}
		return name, checks, nil
	}
	read := csr.Check{Field: "signature", Rule: "verify", Value: in.CSR.SignatureAlgorithm.String(), Pass: true,
		Reason: "the request's signature verifies"}
	name, checks, err := h.CheckRequest(ctx, name, in.Request, o)
	if err != nil {
		return "", nil, err
	}
	return name, append([]csr.Check{read}, checks...), nil
}
