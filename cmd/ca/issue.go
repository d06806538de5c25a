package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
)

type issueOptions struct {
	dn       dnFlags
	sans     sanFlags
	profile  string
	validity string
	issuer   string
	keyType  string
	noPass   bool
	outDir   string
	manifest string
	workers  int
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
	o.dn.register(cmd, "common name of the certificate (with --manifest: the cn column)")
	f := cmd.Flags()
	o.sans.register(cmd)
	f.StringVar(&o.profile, "profile", "server", "server, client or device (with --manifest: for rows without a profile)")
	f.StringVar(&o.validity, "validity", "90d", "how long the certificate is valid (with --manifest: for rows without a validity)"+durationUnits)
	f.StringVar(&o.issuer, "issuer", "", "the issuer that signs (default: the only intermediate, else the root)")
	f.StringVar(&o.keyType, "key-type", "ecdsa-p256", "ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519")
	f.BoolVar(&o.noPass, "no-passphrase", false, "store the new keys unencrypted")
	f.StringVar(&o.outDir, "out-dir", "", "directory for the files (default: the current one; required with --manifest)")
	f.StringVar(&o.manifest, "manifest", "", "CSV file of the certificates to issue, - for stdin")
	f.IntVar(&o.workers, "workers", 0, "parallel workers making keys and signing (default: the number of CPUs)")
	cmd.MarkFlagsOneRequired("cn", "manifest")
	cmd.MarkFlagsMutuallyExclusive("cn", "manifest")
	for _, name := range []string{"org", "ou", "country", "state", "locality", "dns", "ip", "email", "uri"} {
		cmd.MarkFlagsMutuallyExclusive(name, "manifest")
	}
}

func runIssue(ctx context.Context, g *globals, o *issueOptions) error {
	def, err := o.defaults()
	if err != nil {
		return err
	}
	def.KDFCost = g.kdfCost
	if o.manifest != "" && o.outDir == "" {
		return usageError{errors.New("--manifest needs --out-dir DIR")}
	}
	pass, err := g.newKeyPassphrase(o.noPass, nil, false)
	if err != nil {
		return err
	}
	defer clear(pass)
	cfg := home.ProvisionConfig{Issuer: o.issuer, Dir: cmp.Or(o.outDir, "."), Passphrase: pass, Workers: o.workers,
		CheckFiles: func(files ...place.File) error { return g.checkFiles("--out-dir", files...) }}
	if o.manifest != "" {
		return runIssueManifest(ctx, g, o, cfg, def)
	}
	req, err := o.request(def)
	if err != nil {
		return err
	}
	p, err := g.h().Provision(ctx, cfg, req)
	if err != nil {
		return err
	}
	c := p.Issued.Cert
	return g.render(issueResult{
		Serial: ca.FormatSerial(c.SerialNumber), Subject: c.Subject.String(), SANs: orEmpty(ca.SANs(c)),
		NotAfter: c.NotAfter.UTC(), Profile: p.Issued.Record.Profile, Issuer: p.Issuer,
		Key: p.Key, Cert: p.Cert, Chain: p.Chain,
	})
}

// defaults checks the flags that apply to every certificate.
func (o *issueOptions) defaults() (ca.KeyRequest, error) {
	if err := o.dn.checkText(); err != nil {
		return ca.KeyRequest{}, err
	}
	kt, err := pem.ParseKeyType(o.keyType)
	if err != nil {
		return ca.KeyRequest{}, err
	}
	p, err := ca.LookupProfile(o.profile)
	if err != nil {
		return ca.KeyRequest{}, err
	}
	v, err := parseDuration("validity", o.validity)
	if err != nil {
		return ca.KeyRequest{}, err
	}
	if o.workers < 0 {
		return ca.KeyRequest{}, usageError{fmt.Errorf("--workers %d: give a positive number, or 0 for one per CPU", o.workers)}
	}
	return ca.KeyRequest{KeyType: kt, Profile: p, Validity: v}, nil
}

// request is the KeyRequest of the flags of a single "ca issue".
func (o *issueOptions) request(def ca.KeyRequest) (ca.KeyRequest, error) {
	req := def
	req.Subject = o.dn.name()
	ips, uris, err := o.sans.parse()
	if err != nil {
		return req, err
	}
	req.DNSNames, req.IPAddresses, req.EmailAddresses, req.URIs = o.sans.dns, ips, o.sans.emails, uris
	return req, nil
}

type issueResult struct {
	Serial   string    `json:"serial"`
	Subject  string    `json:"subject"`
	SANs     []string  `json:"sans"`
	NotAfter time.Time `json:"notAfter"`
	Profile  string    `json:"profile"`
	Issuer   string    `json:"issuer"`
	Key      string    `json:"key"`
	Cert     string    `json:"file"`
	Chain    string    `json:"chain"`
}

func (r issueResult) text(w io.Writer) {
	fmt.Fprintf(w, "issued %s\n  serial   %s\n  notAfter %s\n  key      %s\n  cert     %s\n  chain    %s\n",
		r.Subject, r.Serial, r.NotAfter.Format(time.RFC3339), r.Key, r.Cert, r.Chain)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
