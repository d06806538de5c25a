package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// preReadBudget is how many bytes of requests "ca sign csr" reads and
// parses before it opens the store; the rest are read in the workers.
var preReadBudget = home.DefaultPreRead

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
	var bar *batchProgress
	rep, err := g.h().SignCSRs(ctx, home.SignConfig{
		Issuer: o.issuer, Options: opts, Inputs: args, Stdin: g.stdin, Out: o.out, OutDir: o.outDir,
		Chain: o.chain, PreRead: preReadBudget,
		OnResult: func(*home.Signed) {
			if bar == nil {
				bar = g.progress(len(args), "signing")
			}
			bar.Add(1)
		},
	})
	bar.Finish()
	if err != nil {
		return err
	}
	items := make([]*signItem, len(rep.Results))
	for i, s := range rep.Results {
		items[i] = newSignItem(s, rep.Issuer, opts.Profile.Name())
	}
	return reportSigned(g, items)
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
	if err := o.checkOutputs(args); err != nil {
		return so, err
	}
	if o.out != "" {
		if err := g.checkOut("--out", o.out, pem.KindCertificate); err != nil {
			return so, err
		}
	}
	return ca.SignOptions{Profile: profile, Validity: validity}, nil
}

// checkOutputs refuses --out and --out-dir that do not fit the arguments.
func (o *signOptions) checkOutputs(args []string) error {
	switch {
	case o.out != "" && o.outDir != "":
		return usageError{errors.New("--out and --out-dir exclude each other")}
	case len(slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a != "-" })) > 1:
		return usageError{errors.New(`"-" (stdin) may be given once`)}
	case len(args) > 1 && o.out != "":
		return usageError{errors.New("--out takes the certificate of one request; use --out-dir DIR for several")}
	case len(args) > 1 && o.outDir == "":
		return usageError{fmt.Errorf("%d requests need --out-dir DIR for their certificates", len(args))}
	}
	if fi, err := os.Stat(o.outDir); o.outDir != "" && err == nil && !fi.IsDir() {
		return usageError{fmt.Errorf("--out-dir %s is not a directory", o.outDir)}
	}
	return nil
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

// newSignItem is the row of one request; issuer and profile name it when
// it was not signed.
func newSignItem(s *home.Signed, issuer, profile string) *signItem {
	if s.Issued == nil {
		code := exitCode(s.Err)
		return &signItem{Input: s.Input, Status: statusOf(code), Issuer: issuer, Profile: profile, SANs: []string{},
			ExitCode: code, Error: message(s.Err), Failures: ruleFailures(s.Err), err: s.Err}
	}
	rec := s.Issued.Record
	nb, na := rec.NotBefore, rec.NotAfter
	it := &signItem{
		Input: s.Input, Status: "signed", Serial: ca.FormatSerial(rec.Serial), Subject: rec.Subject,
		Issuer: rec.Issuer, Profile: rec.Profile, NotBefore: &nb, NotAfter: &na, SANs: orEmpty(rec.SANs),
		File: s.File, Failures: []ruleFailure{}, pem: s.PEM,
	}
	if s.Err != nil { // recorded, but its file was not written
		it.Status, it.err, it.ExitCode, it.Error = "failed", s.Err, exitCode(s.Err), message(s.Err)
	}
	return it
}

// statusOf names an exit code for the summary.
func statusOf(code int) string {
	return cmp.Or(map[int]string{exitOK: "signed", exitUsage: "malformed", exitRefused: "refused",
		exitNotFound: "not found", exitConflict: "exists"}[code], "failed")
}

// reportSigned writes the results: failures on stderr, the data on stdout,
// and returns the worst exit code.
func reportSigned(g *globals, items []*signItem) error {
	worst, failed := 0, 0
	var lines []string
	for _, it := range items {
		if it.err == nil {
			continue
		}
		failed++
		worst = max(worst, it.ExitCode)
		lines = append(lines, failureLines(it.Input, it.err)...)
	}
	if err := writeSigned(g, items); err != nil {
		return err
	}
	if failed == 0 {
		return nil
	}
	last := lines[len(lines)-1]
	for _, l := range lines[:len(lines)-1] {
		fmt.Fprintf(g.stderr, "ca: %s\n", l)
	}
	if len(items) > 1 {
		fmt.Fprintf(g.stderr, "ca: %s\n", last)
		last = fmt.Sprintf("%d of %d requests failed; %d signed", failed, len(items), len(items)-failed)
	}
	return &exitError{code: worst, msg: last}
}

func writeSigned(g *globals, items []*signItem) error {
	one := len(items) == 1
	switch {
	case g.json() && one:
		it := items[0]
		if it.err == nil && it.File == "" {
			it.Certificate = string(it.pem)
		}
		return writeJSON(g.stdout, it)
	case g.json():
		return writeJSON(g.stdout, items)
	case one && items[0].err == nil && items[0].File == "":
		_, err := g.stdout.Write(items[0].pem)
		return err
	case one:
		if it := items[0]; it.err == nil {
			fmt.Fprintf(g.stdout, "signed %s (%s, serial %s, until %s) -> %s\n",
				it.Subject, it.Profile, it.Serial, it.NotAfter.Format(time.RFC3339), it.File)
		}
		return nil
	}
	return signTable(g.stdout, items)
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

// progressBar returns the progress bar (batchProgress) of total items (-1:
// not known) on stderr when it is a terminal; nil otherwise. Commands make
// it at their first result, so that it never draws over a passphrase
// prompt; its clock starts when the batch did (batchStart).
func (g *globals) progressBar(total int64, what string) *batchProgress {
	f, ok := g.stderrTerminal()
	if !ok {
		return nil
	}
	return newBatchProgress(f, total, what, "certs", g.batchStart())
}

// batchStart is when the command's work began: its start, or the end of the
// last passphrase prompt, whichever came last (the time a person spent typing
// is not the batch's).
func (g *globals) batchStart() time.Time {
	if g.prompted.After(g.started) {
		return g.prompted
	}
	return g.started
}

// progress is the bar of a run of n items ("ca sign csr", "ca renew"):
// none for fewer than two.
func (g *globals) progress(n int, what string) *batchProgress {
	if n < 2 {
		return nil
	}
	return g.progressBar(int64(n), what)
}

// stderrTerminal returns stderr when it is a terminal.
func (g *globals) stderrTerminal() (*os.File, bool) {
	f, ok := g.stderr.(*os.File)
	return f, ok && term.IsTerminal(int(f.Fd()))
}
