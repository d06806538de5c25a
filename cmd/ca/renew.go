package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

type renewOptions struct {
	cert, issuer, validity, expiring, keyType, out, outDir string
	rekey, revokeOld, noPass                               bool
}

func newRenewCmd(g *globals) *cobra.Command {
	o := &renewOptions{}
	cmd := &cobra.Command{
		Use:   "renew (SERIAL | --cert FILE | --expiring-within D --out-dir DIR)",
		Short: "Renew certificates: same subject, names, profile and issuer, a new serial",
		Long: `renew signs a new certificate for the subject, names and profile of an old one,
by the same issuer, judged by the issuer's policy of today (a renewal the policy
now refuses is exit 3). It keeps the public key unless --rekey, which makes a
new key as "ca issue" does (only for certificates whose key ca made). It lasts
--validity, else as long as the old one did. A revoked certificate, or one
renewed already, is not renewed; the store links the two (renewedBy and
renewalOf in "ca list -o json" and "ca show"). --revoke-old revokes the old one,
reason superseded, in the transaction that records the new one.

--out FILE gets the new certificate and its intermediates; --out-dir DIR gets
NAME.crt and NAME.chain.pem (and NAME.key with --rekey), named after the common
name as "ca issue" names them.

--expiring-within D renews every valid certificate ending within D (of
--issuer, else of every issuer) that was not renewed yet, in parallel with one
summary; a second run renews nothing twice. This is the nightly job.`,
		Example: `  ca renew 3f2a9c... --out web.chain.pem
  ca renew --cert certs/web.example.com.crt --rekey --no-passphrase --out-dir renewed
  ca renew --expiring-within 30d --out-dir renewed --revoke-old -o json`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runRenew(cmd.Context(), g, o, args) },
	}
	f := cmd.Flags()
	f.StringVar(&o.cert, "cert", "", "the certificate to renew, as a file (instead of SERIAL)")
	f.StringVar(&o.expiring, "expiring-within", "", "renew every valid certificate ending within this duration (e.g. 30d)")
	f.StringVar(&o.issuer, "issuer", "", "with --expiring-within: only this issuer's certificates")
	f.StringVar(&o.validity, "validity", "", "validity of the new certificates (default: as long as the old one; m is minutes)")
	f.BoolVar(&o.rekey, "rekey", false, "make a new key (only for certificates whose key ca made)")
	f.StringVar(&o.keyType, "key-type", "ecdsa-p256", "with --rekey: ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519")
	f.BoolVar(&o.noPass, "no-passphrase", false, "with --rekey: store the new key unencrypted")
	f.BoolVar(&o.revokeOld, "revoke-old", false, "revoke the old certificate (superseded) when the new one is recorded")
	f.StringVar(&o.out, "out", "", "file for the new certificate and its intermediates (replaces only a certificate)")
	f.StringVar(&o.outDir, "out-dir", "", "directory for NAME.crt, NAME.chain.pem (and NAME.key with --rekey)")
	cmd.MarkFlagsMutuallyExclusive("out", "out-dir")
	cmd.MarkFlagsMutuallyExclusive("cert", "expiring-within")
	return cmd
}

func runRenew(ctx context.Context, g *globals, o *renewOptions, args []string) error {
	opts, err := o.options(g, args)
	if err != nil {
		return err
	}
	olds, err := o.olds(ctx, g, args)
	if err != nil {
		return err
	}
	if len(olds) == 1 && o.expiring == "" {
		if c, err := x509.ParseCertificate(olds[0].DER); err == nil {
			if err := g.checkFiles("--out", home.RenewalFiles(c.Subject.CommonName, opts)...); err != nil {
				return err
			}
		}
	}
	sum := &renewSummary{Renewed: []renewItem{}, Failures: []renewFailure{},
		newBar: func() *batchProgress { return g.progress(len(olds), "renewing") }}
	opts.OnResult = sum.report
	err = g.h().Renew(ctx, olds, opts)
	sum.bar.Finish()
	if err != nil {
		return err
	}
	return sum.finish(g, o.expiring == "")
}

// options checks the flags against the arguments.
func (o *renewOptions) options(g *globals, args []string) (home.RenewOptions, error) {
	var opts home.RenewOptions
	switch {
	case (len(args) == 1) == (o.cert != "" || o.expiring != "") || (o.cert == "" && o.expiring == "" && len(args) == 0):
		return opts, usageError{errors.New("give one of SERIAL, --cert FILE or --expiring-within D")}
	case o.expiring != "" && o.outDir == "":
		return opts, usageError{errors.New("--expiring-within needs --out-dir DIR for the new certificates")}
	case o.rekey && o.out != "":
		return opts, usageError{errors.New("--rekey writes a key too: use --out-dir DIR")}
	case o.issuer != "" && o.expiring == "":
		return opts, usageError{errors.New("--issuer goes with --expiring-within; a single certificate is renewed by its own issuer")}
	}
	opts = home.RenewOptions{Rekey: o.rekey, RevokeOld: o.revokeOld, Out: o.out, OutDir: o.outDir}
	var err error
	if o.validity != "" {
		if opts.Validity, err = parseDuration("validity", o.validity); err != nil {
			return opts, err
		}
	}
	if o.rekey {
		if opts.KeyType, err = pem.ParseKeyType(o.keyType); err != nil {
			return opts, err
		}
		if opts.KeyPassphrase, err = g.newKeyPassphrase(o.noPass, nil, false); err != nil {
			return opts, err
		}
	}
	return opts, nil
}

// olds finds the certificates to renew: the SERIAL, the --cert file's, or
// the expiring ones.
func (o *renewOptions) olds(ctx context.Context, g *globals, args []string) ([]*ca.CertRecord, error) {
	if o.expiring != "" {
		d, err := parseDuration("expiring-within", o.expiring)
		if err != nil {
			return nil, err
		}
		return g.h().Expiring(ctx, o.issuer, d)
	}
	var cert []byte
	serialArg := ""
	if len(args) == 1 {
		serialArg = args[0]
	} else {
		c, err := readCertFile(g, o.cert)
		if err != nil {
			return nil, err
		}
		serialArg, cert = ca.FormatSerial(c.SerialNumber), c.Raw
	}
	serial, err := ca.ParseSerial(serialArg)
	if err != nil {
		return nil, err
	}
	rec, err := g.h().Record(ctx, serial)
	if err == nil && cert != nil && string(rec.DER) != string(cert) {
		err = fmt.Errorf("%w: %s is not the certificate this home recorded under serial %s", ca.ErrNotFound, o.cert, serialArg)
	}
	if err != nil {
		return nil, err
	}
	return []*ca.CertRecord{rec}, nil
}

// renewSummary gathers the outcome of renewals; its JSON is the -o json
// output of a batch.
type renewSummary struct {
	Renewed  []renewItem    `json:"renewed"`
	Failures []renewFailure `json:"failures"`

	mu     sync.Mutex
	worst  int
	bar    *batchProgress
	newBar func() *batchProgress
}

type renewItem struct {
	Old      string    `json:"old"`
	Serial   string    `json:"serial"`
	Issuer   string    `json:"issuer"`
	Subject  string    `json:"subject"`
	NotAfter time.Time `json:"notAfter"`
	Files    []string  `json:"files"`
}

type renewFailure struct {
	Old      string `json:"old"`
	Subject  string `json:"subject"`
	Error    string `json:"error"`
	ExitCode int    `json:"exitCode"`
}

func (s *renewSummary) report(r home.RenewResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Err != nil {
		code := exitCode(r.Err)
		s.worst = max(s.worst, code)
		s.Failures = append(s.Failures, renewFailure{Old: ca.FormatSerial(r.Old.Serial), Subject: r.Old.Subject, Error: message(r.Err), ExitCode: code})
	} else {
		c := r.Issued.Cert
		s.Renewed = append(s.Renewed, renewItem{Old: ca.FormatSerial(r.Old.Serial), Serial: ca.FormatSerial(c.SerialNumber), Issuer: r.Issued.Record.Issuer,
			Subject: c.Subject.String(), NotAfter: c.NotAfter.UTC(), Files: orEmpty(r.Files)})
	}
	if s.bar == nil && s.newBar != nil {
		s.bar = s.newBar() // at the first result: never over a prompt
	}
	s.bar.Add(1)
}

// finish renders the outcome: one renewal as itself (its error as the
// command's), a batch as a summary with the worst exit code.
func (s *renewSummary) finish(g *globals, single bool) error {
	if single && len(s.Failures) == 1 {
		return &exitError{code: s.Failures[0].ExitCode, msg: s.Failures[0].Error}
	}
	if single && len(s.Renewed) == 1 && g.json() {
		return writeJSON(g.stdout, s.Renewed[0])
	}
	if err := g.render(s); err != nil {
		return err
	}
	if s.worst != exitOK {
		return &exitError{code: s.worst, msg: fmt.Sprintf("%d of %d renewals failed; see the summary", len(s.Failures), len(s.Failures)+len(s.Renewed))}
	}
	return nil
}

func (s *renewSummary) text(w io.Writer) {
	for _, r := range s.Renewed {
		fmt.Fprintf(w, "renewed %s -> %s (%s, until %s)", r.Old, r.Serial, printable(r.Subject), r.NotAfter.Format(time.RFC3339))
		for _, f := range r.Files {
			fmt.Fprintf(w, " %s", f)
		}
		fmt.Fprintln(w)
	}
	if len(s.Renewed)+len(s.Failures) != 1 {
		fmt.Fprintf(w, "renewed %d, failed %d\n", len(s.Renewed), len(s.Failures))
	}
	for _, f := range s.Failures {
		fmt.Fprintf(w, "  %s (%s): exit %d: %s\n", f.Old, printable(f.Subject), f.ExitCode, printable(f.Error))
	}
}
