package home

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
)

// SignConfig is one run of "ca sign csr": the requests, how to sign them
// and where their certificates go.
type SignConfig struct {
	Issuer  string // "" is the default issuer (ca.Hierarchy.Resolve)
	Options ca.SignOptions
	// Inputs are the requests' files; "-" is Stdin.
	Inputs []string
	Stdin  io.Reader
	// Out is the file of the certificate of the one request; OutDir the
	// directory of the certificates, as NAME.crt (NAME is the request's file
	// name without its extension; the serial for stdin). With neither, no
	// file is written.
	Out, OutDir string
	// Chain puts the issuer's intermediates after each leaf.
	Chain bool
	// PreRead is how many bytes of requests are read and parsed before the
	// store is opened and the issuer's key loaded (a bad request costs no
	// passphrase and no lock); the rest are read by the workers. 0 means
	// DefaultPreRead.
	PreRead int
	// OnResult, when set, is called as each request is done, from one goroutine.
	OnResult func(*Signed)
}

// DefaultPreRead is SignConfig.PreRead when it is not set.
const DefaultPreRead = 64 << 20

// Signed is what became of one request of a SignConfig.
type Signed struct {
	Input  string     // the request's label: its file, or "stdin"
	Issued *ca.Issued // nil when the request was not signed and recorded
	PEM    []byte     // the certificate (and chain) when Issued is set
	File   string     // the file written; "" for none
	Err    error      // why it failed; with Issued set, its file was not written
}

// SignReport is the outcome of SignCSRs, one Signed per input in order.
type SignReport struct {
	Issuer  string // the issuer's name; "" when no request got as far
	Results []*Signed
}

// SignCSRs judges, signs and records every request of cfg through
// ca.RunBatch, each on its own: a bad request does not stop the others.
// Requests are read before the store is opened; a request whose file in
// OutDir exists, or that another request of the run would write too, is
// refused (ca.ErrExists) before anything is signed. Files are written only
// after the store has recorded their certificate. The error return is for
// the run as a whole (the issuer, the store); per-request errors are in the
// report.
func (h *Home) SignCSRs(ctx context.Context, cfg SignConfig) (*SignReport, error) {
	r := &signRun{cfg: cfg, inputs: readCSRs(cfg.Inputs, cfg.Stdin, cmp.Or(cfg.PreRead, DefaultPreRead))}
	r.rep = &SignReport{Results: make([]*Signed, len(r.inputs))}
	r.checkTargets()
	if !r.anyReady() {
		for i, in := range r.inputs {
			r.rep.Results[i] = &Signed{Input: in.Label(), Err: in.Err}
		}
		return r.rep, nil
	}
	if err := r.run(ctx, h); err != nil {
		return nil, err
	}
	return r.rep, nil
}

// signRun is one SignCSRs call: its inputs and what became of them.
type signRun struct {
	cfg     SignConfig
	inputs  []*CSRInput
	targets []string // the OutDir file of each input; "" for stdin (named by serial)
	iss     *Issuer
	rep     *SignReport
}

func (r *signRun) anyReady() bool {
	for _, in := range r.inputs {
		if in.Err == nil {
			return true
		}
	}
	return false
}

// checkTargets names each request's file in OutDir and refuses, before
// anything is signed, one whose file exists or that another request of the
// run would write too.
func (r *signRun) checkTargets() {
	r.targets = make([]string, len(r.inputs))
	if r.cfg.OutDir == "" {
		return
	}
	seen := map[string]string{}
	for i, in := range r.inputs {
		if in.Arg == "-" {
			continue
		}
		base := filepath.Base(in.Arg)
		name := cmp.Or(strings.TrimSuffix(base, filepath.Ext(base)), base)
		path := filepath.Join(r.cfg.OutDir, name+".crt")
		r.targets[i] = path
		if in.Err != nil {
			continue
		}
		if other, ok := seen[path]; ok {
			in.Err = fmt.Errorf("%w: %s would also be written for %s; rename one of the requests", ca.ErrExists, path, other)
			continue
		}
		seen[path] = in.Label()
		if err := place.CheckWritable(path, true); err != nil {
			in.Err = err
		}
	}
}

// run opens the store and the issuer and signs every request through
// ca.RunBatch; a request that failed to parse is reported through it too.
func (r *signRun) run(ctx context.Context, h *Home) error {
	iss, err := h.LoadIssuer(ctx, r.cfg.Issuer)
	if err != nil {
		return err
	}
	defer iss.Close()
	if err := iss.CheckNotRevoked(ctx); err != nil {
		return err
	}
	r.iss, r.rep.Issuer = iss, iss.Name()
	jobs := make(chan ca.Job)
	go func() {
		defer close(jobs)
		for i := range r.inputs {
			jobs <- ca.Job{Index: i, Sign: r.sign(i), Files: r.files(i)}
		}
	}()
	storeErr := ca.RunBatch(ctx, ca.BatchConfig{Store: iss.Store, Placer: Placer{}, Hook: h.cfg.Hook, OnResult: func(res ca.Result) {
		r.rep.Results[res.Index] = r.result(res)
		if r.cfg.OnResult != nil {
			r.cfg.OnResult(r.rep.Results[res.Index])
		}
	}}, jobs)
	for i, s := range r.rep.Results {
		if s == nil {
			r.rep.Results[i] = &Signed{Input: r.inputs[i].Label(), Err: cmp.Or(storeErr, errors.New("not processed"))}
		}
	}
	return nil
}

// sign reads a request left for later, then judges and signs it.
func (r *signRun) sign(i int) func() (*ca.Issued, error) {
	return func() (*ca.Issued, error) {
		in := r.inputs[i]
		if in.lazy && in.Err == nil {
			read := readCSRWith(in.Arg, readRegularCSR)
			in.CSR, in.Request, in.Err = read.CSR, read.Request, read.Err
		}
		if in.Err != nil {
			return nil, in.Err
		}
		iss, err := r.iss.Sign(in.Request, r.cfg.Options)
		in.CSR, in.Request = nil, csr.Request{} // the request is done with: let it go
		return iss, err
	}
}

// files names the file of a recorded certificate: Out, or NAME.crt in
// OutDir (the serial for stdin); none when neither is set.
func (r *signRun) files(i int) func(*ca.Issued) ([]ca.File, error) {
	return func(iss *ca.Issued) ([]ca.File, error) {
		path, noReplace := r.cfg.Out, false
		if r.cfg.OutDir != "" {
			path, noReplace = r.targets[i], true
			if path == "" {
				path = filepath.Join(r.cfg.OutDir, ca.FormatSerial(iss.Record.Serial)+".crt")
			}
			if err := os.MkdirAll(r.cfg.OutDir, 0o755); err != nil {
				return nil, fmt.Errorf("create --out-dir: %w", err)
			}
		}
		if path == "" {
			return nil, nil
		}
		return []ca.File{{Path: path, Data: r.certPEM(iss), NoReplace: noReplace, Check: pem.KindCertificate.Check}}, nil
	}
}

// certPEM is the leaf and, with Chain, the issuer's intermediates (not the root).
func (r *signRun) certPEM(iss *ca.Issued) []byte {
	out := pem.Encode(pem.TypeCertificate, iss.Cert.Raw)
	if r.cfg.Chain {
		out = append(out, ca.EncodeChain(r.iss.Intermediates())...)
	}
	return out
}

// result turns the batch's result of one request into its Signed.
func (r *signRun) result(res ca.Result) *Signed {
	s := &Signed{Input: r.inputs[res.Index].Label(), Err: res.Err}
	if res.Issued == nil {
		return s
	}
	s.Issued, s.PEM = res.Issued, r.certPEM(res.Issued)
	if len(res.Files) > 0 {
		s.File = res.Files[0]
	}
	return s
}
