package home

import (
	"crypto/x509"
	"fmt"
	"io"
	"os"

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
	in := &CSRInput{Arg: arg}
	data, err := readInput(arg, stdin)
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

// readCSRs reads the requests of args until budget bytes are read; the
// rest are left to be read later (lazy), so that memory stays bounded
// however many large files are given. Stdin is always read at once.
func readCSRs(args []string, stdin io.Reader, budget int) []*CSRInput {
	inputs := make([]*CSRInput, len(args))
	for i, arg := range args {
		if budget <= 0 && arg != "-" {
			inputs[i] = &CSRInput{Arg: arg, lazy: true}
			continue
		}
		inputs[i] = ReadCSR(arg, stdin)
		budget -= inputs[i].Size
	}
	return inputs
}
