package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/place"
)

// issueOptions are the flags of "ca issue": home.IssueFlags, which checks
// them, and --no-passphrase.
type issueOptions struct {
	home.IssueFlags
	noPass bool
}

func newIssueCmd(g *globals) *cobra.Command {
	o := &issueOptions{}
	cmd := &cobra.Command{
		Use:   "issue (--cn CN | --manifest FILE.csv --out-dir DIR)",
		Short: "Make a key and its certificate in one step, one or a manifest of many",
		Long: `issue makes a key and a certificate for it, judged by the issuer's policy and
the profile like "ca sign csr", records it and writes NAME.key (0600, PKCS#8),
NAME.crt and NAME.chain.pem (the leaf, then its intermediates) into --out-dir.
NAME is the CN with every character outside A-Za-z0-9._- replaced by "_".
DN fields whose policy rule is "match" are taken from the issuer when not given.
The new key is encrypted with --key-passphrase-file (or $CA_KEY_PASSPHRASE_FILE),
or stored unencrypted with --no-passphrase; one of the two is required.

With --manifest, every row of a CSV file is one certificate. Its first row names
the columns: cn,dns,ip,email,uri,profile,validity,o,ou,l,st,c (dns, ip, email and
uri take ";"-separated lists; an empty cell is "not given"; --profile, --validity
and --key-type are the defaults of rows that give none). Rows are judged one by
one: a bad row does not stop the others. The key is written last, so a row whose
NAME.key exists is complete and a re-run skips it. The summary lists every failed
row with its line; the exit code is the worst row's. See docs/provisioning.md.`,
		Example: `  ca issue --cn web1.example.com --dns web1.example.com --out-dir certs --no-passphrase
  ca issue --manifest devices.csv --out-dir out --profile device --no-passphrase -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runIssue(cmd.Context(), g, o) },
	}
	o.register(cmd)
	return cmd
}

// register adds the flags of "ca issue" to cmd.
func (o *issueOptions) register(cmd *cobra.Command) {
	registerDN(cmd, &o.DN, "common name of the certificate (with --manifest: the cn column)")
	f := cmd.Flags()
	registerSANs(cmd, &o.SANs)
	f.StringVar(&o.Profile, "profile", "server", "server, client or device (with --manifest: for rows without a profile)")
	f.StringVar(&o.Validity, "validity", "90d", "how long the certificate is valid (with --manifest: for rows without a validity)"+durationUnits)
	f.StringVar(&o.Issuer, "issuer", "", "the issuer that signs (default: the only intermediate, else the root)")
	f.StringVar(&o.KeyType, "key-type", "ecdsa-p256", "ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519")
	f.BoolVar(&o.noPass, "no-passphrase", false, "store the new keys unencrypted")
	f.StringVar(&o.OutDir, "out-dir", "", "directory for the files (default: the current one; required with --manifest)")
	f.StringVar(&o.Manifest, "manifest", "", "CSV file of the certificates to issue, - for stdin")
	f.IntVar(&o.Workers, "workers", 0, "parallel workers making keys and signing (default: the number of CPUs)")
	cmd.MarkFlagsOneRequired("cn", "manifest")
	cmd.MarkFlagsMutuallyExclusive("cn", "manifest")
	for _, name := range []string{"org", "ou", "country", "state", "locality", "dns", "ip", "email", "uri"} {
		cmd.MarkFlagsMutuallyExclusive(name, "manifest")
	}
}

func runIssue(ctx context.Context, g *globals, o *issueOptions) error {
	def, err := o.Defaults()
	if err != nil {
		return err
	}
	def.KDFCost = g.kdfCost
	pass, err := g.newKeyPassphrase(o.noPass, nil, false)
	if err != nil {
		return err
	}
	defer clear(pass)
	cfg := o.ProvisionConfig(pass, func(files ...place.File) error { return g.checkFiles("--out-dir", files...) })
	if o.Manifest != "" {
		return runIssueManifest(ctx, g, o, cfg, def)
	}
	req, err := o.Request(def)
	if err != nil {
		return err
	}
	p, err := g.h().Provision(ctx, cfg, req)
	if err != nil {
		return err
	}
	return g.renderText(p.Report())
}
