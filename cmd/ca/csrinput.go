package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// typeNewCSR is the block type older tools (Netscape, some Java) write.
const typeNewCSR = "NEW CERTIFICATE REQUEST"

// csrInput is one CSR argument of "ca sign csr" or "ca policy check", read
// and parsed: req is set when err is nil.
type csrInput struct {
	arg  string // the argument as given; "-" is stdin
	csr  *x509.CertificateRequest
	req  csr.Request
	err  error
	size int  // bytes read
	lazy bool // not read yet: read and parsed in a worker (see preReadBudget)
}

// label names the input in messages.
func (in *csrInput) label() string {
	if in.arg == "-" {
		return "stdin"
	}
	return in.arg
}

// readCSR reads one CSR in PEM or DER from a file or, for "-", stdin: at
// most pem.MaxSize bytes (more is refused without reading further), exactly
// one CERTIFICATE REQUEST block or DER without trailing data, a signature
// that verifies and is not SHA-1.
func (g *globals) readCSR(arg string) *csrInput {
	return readCSRWith(arg, g.readInput)
}

// readCSRWith is readCSR with its reader.
func readCSRWith(arg string, read func(string) ([]byte, error)) *csrInput {
	in := &csrInput{arg: arg}
	data, err := read(arg)
	if err != nil {
		in.err = err
		return in
	}
	in.size = len(data)
	der, _, err := pem.Decode(data, pem.MaxSize, pem.TypeCSR, typeNewCSR)
	if err != nil {
		in.err = err
		return in
	}
	if in.csr, err = csr.ParseDER(der); err != nil {
		in.err = err
		return in
	}
	in.req, in.err = csr.RequestFromCSR(in.csr)
	return in
}

func (g *globals) readInput(arg string) ([]byte, error) {
	if arg == "-" {
		return pem.ReadAll(g.stdin, pem.MaxSize)
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, fmt.Errorf("read CSR: %w", err)
	}
	defer f.Close()
	return pem.ReadAll(f, pem.MaxSize)
}

// readRegularCSR reads a CSR file that was a regular file when the
// command started (a lazy input): one swapped for a FIFO since is refused
// rather than waited on, the store being held.
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

// failureLines words err for stderr, one line per broken rule of a refusal,
// each prefixed with the input's label.
func failureLines(label string, err error) []string {
	var re *csr.RefusalError
	if errors.As(err, &re) && len(re.Errors) > 0 {
		out := make([]string, len(re.Errors))
		for i, pe := range re.Errors {
			out[i] = label + ": " + strings.TrimPrefix(pe.Error(), "csr: ")
		}
		return out
	}
	return []string{label + ": " + message(err)}
}

// ruleFailure is one broken rule in JSON.
type ruleFailure struct {
	Field  string `json:"field"`
	Rule   string `json:"rule"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// ruleFailures lists the broken rules of a refusal; [] for other errors.
func ruleFailures(err error) []ruleFailure {
	out := []ruleFailure{}
	var re *csr.RefusalError
	if errors.As(err, &re) {
		for _, pe := range re.Errors {
			out = append(out, ruleFailure{Field: pe.Field, Rule: pe.Rule, Value: pe.Value, Reason: pe.Reason})
		}
		return out
	}
	switch {
	case errors.Is(err, csr.ErrBadSignature):
		out = append(out, ruleFailure{Field: "signature", Rule: "verify", Reason: message(err)})
	case errors.Is(err, csr.ErrWeakSignature):
		out = append(out, ruleFailure{Field: "signature", Rule: "hash", Reason: message(err)})
	case errors.Is(err, pem.ErrTooLarge):
		out = append(out, ruleFailure{Field: "input", Rule: "maxSize", Value: fmt.Sprint(pem.MaxSize), Reason: message(err)})
	}
	return out
}
