package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
)

type initOptions struct {
	caFlags
}

func newInitCmd(g *globals) *cobra.Command {
	o := &initOptions{}
	cmd := &cobra.Command{
		Use:   "init --cn NAME",
		Short: "Create a new home with a self-signed root CA",
		Long: `init creates the home (--home, $CA_HOME or ./pki) with a self-signed root:
its certificate, its key (PKCS#8, encrypted unless --no-passphrase, mode 0600),
its signing policy and the store. It never touches an existing home (exit 5),
and a failure half-way leaves no home behind.`,
		Example: `  ca init --cn "Example Root CA" --org Example --country DE --no-passphrase
  CA_PASSPHRASE_FILE=pass.txt ca init --cn "Example Root CA" --key-type ecdsa-p384`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runInit(cmd.Context(), g, o) },
	}
	o.dn.register(cmd, "common name of the root (required)")
	f := cmd.Flags()
	f.StringVar(&o.name, "name", "root", "the root's name in the home")
	f.StringVar(&o.keyType, "key-type", "ecdsa-p256", "ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519")
	f.StringVar(&o.validity, "validity", "10y", "how long the root is valid"+durationUnits)
	f.IntVar(&o.pathLen, "path-len", -1, "path length constraint (-1: none)")
	f.StringVar(&o.policyFile, "policy", "", "policy.json for the root (default: the default policy)")
	f.BoolVar(&o.noPass, "no-passphrase", false, "store the root key unencrypted")
	o.registerURLs(cmd)
	registerKeyURI(cmd, &o.keyURI)
	cmd.MarkFlagRequired("cn")
	return cmd
}

func runInit(ctx context.Context, g *globals, o *initOptions) error {
	if o.keyURI != "" {
		return runInitToken(ctx, g, o)
	}
	kt, validity, policy, err := o.check()
	if err != nil {
		return err
	}
	if err := home.CheckNew(g.home); err != nil {
		return err
	}
	pass, err := g.newPassphrase(o.noPass)
	if err != nil {
		return err
	}
	root, err := home.Create(ctx, g.h().Config(), home.NewCA{
		Name: o.name, Template: ca.Template{Subject: o.dn.name(), Validity: validity, MaxPathLen: o.pathLen, URLs: o.urls},
		KeyType: kt, KDFCost: g.kdfCost, Passphrase: func([]byte) ([]byte, error) { return pass, nil }, Policy: policy,
	})
	if err != nil {
		return err
	}
	cert := root.Cert
	return g.render(initResult{
		Home: g.home, Issuer: o.name, Serial: ca.FormatSerial(cert.SerialNumber), Subject: cert.Subject.String(),
		NotAfter: cert.NotAfter.UTC(), KeyType: string(kt), Encrypted: root.Encrypted,
		Cert: g.h().IssuerFile(o.name, home.FileCert),
	})
}

type initResult struct {
	Home      string    `json:"home"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"`
	Subject   string    `json:"subject"`
	NotAfter  time.Time `json:"notAfter"`
	KeyType   string    `json:"keyType"`
	Encrypted bool      `json:"encrypted"`
	Cert      string    `json:"cert"`
}

func (r initResult) text(w io.Writer) {
	fmt.Fprintf(w, "created home %s with root %q (%s)\n  subject  %s\n  serial   %s\n  notAfter %s\n  key      %s%s\n  trust    %s\n",
		r.Home, r.Issuer, r.KeyType, r.Subject, r.Serial, r.NotAfter.Format(time.RFC3339), r.KeyType, encryptedText(r.Encrypted), r.Cert)
}

// caFlags are the flags ca init and ca intermediate create share.
type caFlags struct {
	dn         dnFlags
	name       string
	keyType    string
	validity   string
	pathLen    int
	policyFile string
	noPass     bool
	urls       ca.IssuerURLs
	keyURI     string // --key-uri: the key is on a PKCS#11 token (hsm.go)
}

// registerURLs adds the flags of the new CA's publication URLs.
func (c *caFlags) registerURLs(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&c.urls.CRL, "crl-url", "", "URL of its CRL, put in every certificate it signs ({issuer}: its name; see docs/publication.md)")
	f.StringVar(&c.urls.OCSP, "ocsp-url", "", "URL of its OCSP responder, put in every certificate it signs")
	f.StringVar(&c.urls.CAIssuers, "ca-issuers-url", "", "URL of its certificate, put in every certificate it signs")
}

// check parses the flags; policy is nil when --policy was not given.
func (c *caFlags) check() (pem.KeyType, time.Duration, *csr.Policy, error) {
	kt, err := pem.ParseKeyType(c.keyType)
	if err != nil {
		return "", 0, nil, err
	}
	validity, err := parseDuration("validity", c.validity)
	if err != nil {
		return "", 0, nil, err
	}
	if err := ca.CheckIssuerName(c.name); err != nil {
		return "", 0, nil, err
	}
	if err := c.dn.check(); err != nil {
		return "", 0, nil, err
	}
	if err := c.urls.Check(); err != nil {
		return "", 0, nil, err
	}
	if c.policyFile == "" {
		return kt, validity, nil, nil
	}
	policy, err := home.ReadPolicyFile(c.policyFile)
	return kt, validity, policy, err
}
