package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// preReadBudget is how many bytes of requests "ca sign csr" reads and
// parses before it opens the store; the rest are read in the workers.
var preReadBudget = 64 << 20

type signOptions struct {
	issuer   string
	profile  string
	validity string
	out      string
	outDir   string
	chain    bool
}

func newSignCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sign",
		Short: "Sign certificate requests",
		Args:  noArgs,
	}
	cmd.AddCommand(newSignCSRCmd(g))
	return cmd
}

func newSignCSRCmd(g *globals) *cobra.Command {
	o := &signOptions{}
	cmd := &cobra.Command{
		Use:   "csr FILE|- ...",
		Short: "Sign CSRs under the issuer's policy and a profile, and record them",
		Long: `csr reads each request (PEM or DER, at most 1 MiB; "-" is stdin), checks its
signature, the issuer's policy, the profile and the validity, and only then
signs and records it. Files are written only after the store has recorded the
certificate. Every broken rule is named on stderr (field, rule and value) and,
with -o json, listed under "failures"; a refused request exits 3.

One request: the certificate goes to --out FILE, or to stdout. Several: each is
judged on its own, the good ones are signed even when others are refused, the
certificates go to --out-dir DIR as NAME.crt (NAME is the request's file name
without its extension), a table (or a JSON array) sums up, and the exit code is
the worst of the results. --chain adds the issuer's intermediates after the leaf.`,
		Example: `  ca sign csr web.csr --profile server --out web.crt --chain
  ca sign csr devices/*.csr --profile device --out-dir certs -o json
  ca csr create --cn api.example.com --dns api.example.com --key-out api.key --out - --no-passphrase | ca sign csr -`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runSignCSR(cmd.Context(), g, o, args) },
	}
	f := cmd.Flags()
	f.StringVar(&o.issuer, "issuer", "", "the issuer that signs (default: the only intermediate, else the root)")
	f.StringVar(&o.profile, "profile", "server", "server, client or device")
	f.StringVar(&o.validity, "validity", "90d", "how long the certificates are valid (at most the policy's maxValidity)"+durationUnits)
	f.StringVar(&o.out, "out", "", `file for the certificate of one request (replaces only a certificate; "-": stdout, the default)`)
	f.StringVar(&o.outDir, "out-dir", "", "directory for the certificates, as NAME.crt (needed for several requests)")
	f.BoolVar(&o.chain, "chain", false, "write the issuer's intermediates after the leaf")
	cmd.MarkFlagsMutuallyExclusive("out", "out-dir")
	return cmd
}

func runSignCSR(ctx context.Context, g *globals, o *signOptions, args []string) error {
	opts, err := o.check(g, args)
	if err != nil {
		return err
	}
	b := &signBatch{g: g, o: o, opts: opts, inputs: make([]*csrInput, len(args))}
	// Read and parse the requests before the store is locked and the issuer
	// key opened: a bad request costs no passphrase and no lock. Past
	// preReadBudget bytes the rest are read by the workers, so that memory
	// stays bounded however many large files are given. Only regular files
	// are left to the workers: a pipe (a FIFO, <(...)) may wait for its
	// writer, which must never happen with the store held.
	budget := preReadBudget
	for i, arg := range args {
		if budget <= 0 && arg != "-" && isRegularFile(arg) {
			b.inputs[i] = &csrInput{arg: arg, lazy: true}
			continue
		}
		b.inputs[i] = g.readCSR(arg)
		budget -= b.inputs[i].size
	}
	b.checkTargets()
	b.items = make([]*signItem, len(args))
	if b.anyReady() {
		if err := b.run(ctx); err != nil {
			return err
		}
	} else {
		for i, in := range b.inputs {
			b.items[i] = b.failed(in, in.err)
		}
	}
	return b.report()
}

// check validates the flags against the arguments and returns the sign options.
func (o *signOptions) check(g *globals, args []string) (ca.SignOptions, error) {
	var so ca.SignOptions
	profile, err := ca.LookupProfile(o.profile)
	if err != nil {
		return so, err
	}
	validity, err := parseDuration("validity", o.validity)
	if err != nil {
		return so, err
	}
	if o.out == "-" {
		o.out = ""
	}
	stdin := 0
	for _, a := range args {
		if a == "-" {
			stdin++
		}
	}
	switch {
	case o.out != "" && o.outDir != "":
		return so, usageError{errors.New("--out and --out-dir exclude each other")}
	case stdin > 1:
		return so, usageError{errors.New(`"-" (stdin) may be given once`)}
	case len(args) > 1 && o.out != "":
		return so, usageError{errors.New("--out takes the certificate of one request; use --out-dir DIR for several")}
	case len(args) > 1 && o.outDir == "":
		return so, usageError{fmt.Errorf("%d requests need --out-dir DIR for their certificates", len(args))}
	}
	if o.out != "" {
		if err := g.checkOut("--out", o.out, pem.KindCertificate); err != nil {
			return so, err
		}
	}
	if o.outDir != "" {
		if fi, err := os.Stat(o.outDir); err == nil && !fi.IsDir() {
			return so, usageError{fmt.Errorf("--out-dir %s is not a directory", o.outDir)}
		}
	}
	return ca.SignOptions{Profile: profile, Validity: validity}, nil
}

// signBatch is one run of "ca sign csr": its inputs and what became of them.
type signBatch struct {
	g       *globals
	o       *signOptions
	opts    ca.SignOptions
	inputs  []*csrInput
	targets []string // the --out-dir file of each input; "" for stdin (named by serial)
	items   []*signItem
	li      *home.Issuer
}

func (b *signBatch) anyReady() bool {
	for _, in := range b.inputs {
		if in.err == nil {
			return true
		}
	}
	return false
}

// checkTargets names each request's file in --out-dir and refuses, before
// anything is signed, one whose file exists or that another request of the
// call would write too.
func (b *signBatch) checkTargets() {
	b.targets = make([]string, len(b.inputs))
	if b.o.outDir == "" {
		return
	}
	seen := map[string]string{}
	for i, in := range b.inputs {
		if in.arg == "-" {
			continue
		}
		base := filepath.Base(in.arg)
		name := strings.TrimSuffix(base, filepath.Ext(base))
		if name == "" {
			name = base
		}
		path := filepath.Join(b.o.outDir, name+".crt")
		b.targets[i] = path
		if in.err != nil {
			continue
		}
		if other, ok := seen[path]; ok {
			in.err = fmt.Errorf("%w: %s would also be written for %s; rename one of the requests", ca.ErrExists, path, other)
			continue
		}
		seen[path] = in.label()
		if err := pem.CheckWritable(path, true); err != nil {
			in.err = err
		}
	}
}

// run opens the store and the issuer and signs every ready request through
// ca.RunBatch; a request that failed to parse is reported through it too.
func (b *signBatch) run(ctx context.Context) error {
	var err error
	if b.li, err = b.g.h().LoadIssuer(ctx, b.o.issuer); err != nil {
		return err
	}
	defer b.li.Close()
	if err := b.li.CheckNotRevoked(ctx); err != nil {
		return err
	}
	st := b.li.Store
	bar := b.g.progress(len(b.inputs), "signing")
	jobs := make(chan ca.Job)
	go func() {
		defer close(jobs)
		for i := range b.inputs {
			jobs <- ca.Job{Index: i, Prepare: b.prepare(i), Files: b.files(i)}
		}
	}()
	storeErr := ca.RunBatch(ctx, ca.BatchConfig{Store: st, Hook: b.g.batchHook(), OnResult: func(r ca.Result) {
		b.items[r.Index] = b.result(r)
		if bar != nil {
			bar.Add(1)
		}
	}}, jobs)
	for i, it := range b.items {
		if it == nil {
			b.items[i] = b.failed(b.inputs[i], cmpOr(storeErr, errors.New("not processed")))
		}
	}
	return nil
}

func cmpOr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

func (b *signBatch) prepare(i int) func() (*ca.Issued, error) {
	return func() (*ca.Issued, error) {
		in := b.inputs[i]
		if in.lazy && in.err == nil {
			r := readCSRWith(in.arg, readRegularCSR)
			in.csr, in.req, in.err = r.csr, r.req, r.err
		}
		if in.err != nil {
			return nil, in.err
		}
		iss, err := b.li.Prepare(in.req, b.opts)
		in.csr, in.req = nil, csr.Request{} // the request is done with: let it go
		return iss, err
	}
}

// files names the file of a recorded certificate: --out, or NAME.crt in
// --out-dir (the serial for stdin); none when it goes to stdout.
func (b *signBatch) files(i int) func(*ca.Issued) ([]pem.File, error) {
	return func(iss *ca.Issued) ([]pem.File, error) {
		path, noReplace := b.o.out, false
		if b.o.outDir != "" {
			path, noReplace = b.targets[i], true
			if path == "" {
				path = filepath.Join(b.o.outDir, ca.FormatSerial(iss.Record.Serial)+".crt")
			}
			if err := os.MkdirAll(b.o.outDir, 0o755); err != nil {
				return nil, fmt.Errorf("create --out-dir: %w", err)
			}
		}
		if path == "" {
			return nil, nil
		}
		return []pem.File{{Path: path, Data: b.certPEM(iss), NoReplace: noReplace, Kind: pem.KindCertificate}}, nil
	}
}

// certPEM is the leaf and, with --chain, the issuer's intermediates (not the root).
func (b *signBatch) certPEM(iss *ca.Issued) []byte {
	out := pem.Encode(pem.TypeCertificate, iss.Cert.Raw)
	if b.o.chain {
		out = append(out, ca.EncodeChain(b.li.Intermediates())...)
	}
	return out
}

// signItem is the outcome of one request, for the table and for JSON.
type signItem struct {
	Input       string        `json:"input"`
	Status      string        `json:"status"`
	Serial      string        `json:"serial"`
	Subject     string        `json:"subject"`
	Issuer      string        `json:"issuer"`
	Profile     string        `json:"profile"`
	NotBefore   *time.Time    `json:"notBefore"`
	NotAfter    *time.Time    `json:"notAfter"`
	SANs        []string      `json:"sans"`
	File        string        `json:"file"`
	Certificate string        `json:"certificate,omitempty"`
	ExitCode    int           `json:"exitCode"`
	Error       string        `json:"error,omitempty"`
	Failures    []ruleFailure `json:"failures"`

	err error
	pem []byte
}

func (b *signBatch) result(r ca.Result) *signItem {
	in := b.inputs[r.Index]
	if r.Err != nil && r.Issued == nil {
		return b.failed(in, r.Err)
	}
	rec := r.Issued.Record
	nb, na := rec.NotBefore, rec.NotAfter
	it := &signItem{
		Input: in.label(), Status: "signed", Serial: ca.FormatSerial(rec.Serial), Subject: rec.Subject,
		Issuer: rec.Issuer, Profile: rec.Profile, NotBefore: &nb, NotAfter: &na, SANs: rec.SANs,
		Failures: []ruleFailure{}, pem: b.certPEM(r.Issued),
	}
	if it.SANs == nil {
		it.SANs = []string{}
	}
	if len(r.Files) > 0 {
		it.File = r.Files[0]
	}
	if r.Err != nil { // recorded, but its file was not written
		it.Status, it.err, it.ExitCode, it.Error = "failed", r.Err, exitCode(r.Err), message(r.Err)
	}
	return it
}

func (b *signBatch) failed(in *csrInput, err error) *signItem {
	code := exitCode(err)
	it := &signItem{Input: in.label(), Status: statusOf(code), Profile: b.opts.Profile.Name(), SANs: []string{},
		ExitCode: code, Error: message(err), Failures: ruleFailures(err), err: err}
	if b.li != nil {
		it.Issuer = b.li.Name()
	}
	return it
}

// statusOf names an exit code for the summary.
func statusOf(code int) string {
	switch code {
	case exitOK:
		return "signed"
	case exitUsage:
		return "malformed"
	case exitRefused:
		return "refused"
	case exitNotFound:
		return "not found"
	case exitConflict:
		return "exists"
	}
	return "failed"
}

// report writes the results: failures on stderr, the data on stdout, and
// returns the worst exit code.
func (b *signBatch) report() error {
	worst, failed := 0, 0
	var lines []string
	for _, it := range b.items {
		if it.err == nil {
			continue
		}
		failed++
		worst = max(worst, it.ExitCode)
		lines = append(lines, failureLines(it.Input, it.err)...)
	}
	if err := b.writeData(); err != nil {
		return err
	}
	if failed == 0 {
		return nil
	}
	last := lines[len(lines)-1]
	for _, l := range lines[:len(lines)-1] {
		fmt.Fprintf(b.g.stderr, "ca: %s\n", l)
	}
	if len(b.items) > 1 {
		fmt.Fprintf(b.g.stderr, "ca: %s\n", last)
		last = fmt.Sprintf("%d of %d requests failed; %d signed", failed, len(b.items), len(b.items)-failed)
	}
	return &exitError{code: worst, msg: last}
}

func (b *signBatch) writeData() error {
	one := len(b.items) == 1
	switch {
	case b.g.json() && one:
		it := b.items[0]
		if it.err == nil && it.File == "" {
			it.Certificate = string(it.pem)
		}
		return writeJSON(b.g.stdout, it)
	case b.g.json():
		return writeJSON(b.g.stdout, b.items)
	case one && b.items[0].err == nil && b.items[0].File == "":
		_, err := b.g.stdout.Write(b.items[0].pem)
		return err
	case one:
		if it := b.items[0]; it.err == nil {
			fmt.Fprintf(b.g.stdout, "signed %s (%s, serial %s, until %s) -> %s\n",
				it.Subject, it.Profile, it.Serial, it.NotAfter.Format(time.RFC3339), it.File)
		}
		return nil
	}
	return signTable(b.g.stdout, b.items)
}

func signTable(w io.Writer, items []*signItem) error {
	rows := make([][]string, len(items))
	for i, it := range items {
		detail := it.File
		if it.err != nil {
			detail = failureLines("", it.err)[0][2:]
		}
		rows[i] = []string{it.Input, it.Status, it.Serial, it.Subject, detail}
	}
	return table(w, []string{"input", "status", "serial", "subject", "file or reason"}, rows)
}

// progress returns a progress bar on stderr for n items when stderr is a
// terminal and there are several items; nil otherwise.
func (g *globals) progress(n int, what string) *progressbar.ProgressBar {
	f, ok := g.stderr.(*os.File)
	if n < 2 || !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions(n, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(50*time.Millisecond))
}
