package main

import (
	"cmp"
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/internal/errtext"
	"github.com/ca-toolkit/ca/internal/progress"
)

// preReadBudget is how many bytes of requests "ca sign csr" reads and
// parses before it opens the store; the rest are read in the workers.
var preReadBudget = home.DefaultPreRead

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
	o := &home.SignFlags{}
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
	f.StringVar(&o.Issuer, "issuer", "", "the issuer that signs (default: the only intermediate, else the root)")
	f.StringVar(&o.Profile, "profile", "server", "server, client or device")
	f.StringVar(&o.Validity, "validity", "90d", "how long the certificates are valid (at most the policy's maxValidity)"+durationUnits)
	f.StringVar(&o.Out, "out", "", `file for the certificate of one request (replaces only a certificate; "-": stdout, the default)`)
	f.StringVar(&o.OutDir, "out-dir", "", "directory for the certificates, as NAME.crt (needed for several requests)")
	f.BoolVar(&o.Chain, "chain", false, "write the issuer's intermediates after the leaf")
	cmd.MarkFlagsMutuallyExclusive("out", "out-dir")
	return cmd
}

func runSignCSR(ctx context.Context, g *globals, o *home.SignFlags, args []string) error {
	cfg, err := o.Config(args, g.stdin, g.checkOut)
	if err != nil {
		return err
	}
	bar := progress.NewLazy(func() *progress.Bar { return g.progress(len(args), "signing") })
	cfg.PreRead, cfg.OnResult = preReadBudget, func(*home.Signed) { bar.Add(1) }
	rep, err := g.h().SignCSRs(ctx, cfg)
	bar.Finish()
	if err != nil {
		return err
	}
	items := make([]*signItem, len(rep.Results))
	for i, s := range rep.Results {
		items[i] = newSignItem(s, rep.Issuer, cfg.Options.Profile.Name())
	}
	return reportSigned(g, items)
}

// signItem is the outcome of one request, for the table and for JSON
// (home.SignRow), with its error.
type signItem struct {
	home.SignRow

	err error
}

// newSignItem is the row of one request, its failure in the command's
// words; issuer and profile name it when it was not signed.
func newSignItem(s *home.Signed, issuer, profile string) *signItem {
	it := &signItem{SignRow: s.Row(issuer, profile), err: s.Err}
	if s.Err != nil {
		it.ExitCode, it.Error = exitCode(s.Err), errtext.Message(s.Err)
		it.Status = cmp.Or(it.Status, statusOf(it.ExitCode))
	}
	if s.Issued == nil {
		it.Failures = ruleFailures(s.Err)
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
		return writeJSON(g.stdout, items[0])
	case g.json():
		return writeJSON(g.stdout, items)
	case one && items[0].err == nil && items[0].File == "":
		_, err := io.WriteString(g.stdout, items[0].Certificate)
		return err
	case one:
		if it := items[0]; it.err == nil {
			it.WriteText(g.stdout)
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
