package main

import (
	"context"
	"crypto/x509"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/internal/errtext"
	"github.com/ca-toolkit/ca/internal/progress"
)

type renewOptions struct {
	home.RenewRequest
	noPass bool
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
	f.StringVar(&o.Cert, "cert", "", "the certificate to renew, as a file (instead of SERIAL)")
	f.StringVar(&o.Expiring, "expiring-within", "", "renew every valid certificate ending within this duration (e.g. 30d)")
	f.StringVar(&o.Issuer, "issuer", "", "with --expiring-within: only this issuer's certificates")
	f.StringVar(&o.Validity, "validity", "", "validity of the new certificates (default: as long as the old one; m is minutes)")
	f.BoolVar(&o.Rekey, "rekey", false, "make a new key (only for certificates whose key ca made)")
	f.StringVar(&o.KeyType, "key-type", "ecdsa-p256", "with --rekey: ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519")
	f.BoolVar(&o.noPass, "no-passphrase", false, "with --rekey: store the new key unencrypted")
	f.BoolVar(&o.RevokeOld, "revoke-old", false, "revoke the old certificate (superseded) when the new one is recorded")
	f.StringVar(&o.Out, "out", "", "file for the new certificate and its intermediates (replaces only a certificate)")
	f.StringVar(&o.OutDir, "out-dir", "", "directory for NAME.crt, NAME.chain.pem (and NAME.key with --rekey)")
	cmd.MarkFlagsMutuallyExclusive("out", "out-dir")
	cmd.MarkFlagsMutuallyExclusive("cert", "expiring-within")
	return cmd
}

func runRenew(ctx context.Context, g *globals, o *renewOptions, args []string) error {
	o.Args = args
	opts, err := o.Options()
	if err != nil {
		return err
	}
	if o.Rekey {
		if opts.KeyPassphrase, err = g.newKeyPassphrase(o.noPass, nil, false); err != nil {
			return err
		}
	}
	var cert *x509.Certificate
	if o.Cert != "" {
		if cert, err = readCertFile(g, o.Cert); err != nil {
			return err
		}
	}
	if err := o.CheckNamed(); err != nil { // before the home, and its warnings
		return err
	}
	olds, err := g.h().Renewals(ctx, o.RenewRequest, cert, opts)
	if err != nil {
		return err
	}
	report := home.NewRenewReport(func(err error) (string, int) { return errtext.Message(err), exitCode(err) })
	bar := progress.NewLazy(func() *progress.Bar { return g.progress(len(olds), "renewing") })
	opts.OnResult = func(r home.RenewResult) { report.Add(r); bar.Add(1) }
	err = g.h().Renew(ctx, olds, opts)
	bar.Finish()
	if err != nil {
		return err
	}
	return finishRenew(g, report, o.Expiring == "")
}

// finishRenew renders the outcome: one renewal as itself (its error as the
// command's), a batch as a summary with the worst exit code.
func finishRenew(g *globals, s *home.RenewReport, single bool) error {
	if single && len(s.Failures) == 1 {
		return &exitError{code: s.Failures[0].ExitCode, msg: s.Failures[0].Error}
	}
	if single && len(s.Renewed) == 1 && g.json() {
		return writeJSON(g.stdout, s.Renewed[0])
	}
	if err := g.renderText(s); err != nil {
		return err
	}
	if worst := s.Worst(); worst != exitOK {
		return &exitError{code: worst, msg: fmt.Sprintf("%d of %d renewals failed; see the summary", len(s.Failures), len(s.Failures)+len(s.Renewed))}
	}
	return nil
}
