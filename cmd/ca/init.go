package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
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
	registerDN(cmd, &o.DN, "common name of the root (required)")
	f := cmd.Flags()
	f.StringVar(&o.Name, "name", "root", "the root's name in the home")
	f.StringVar(&o.KeyType, "key-type", "ecdsa-p256", "ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519")
	f.StringVar(&o.Validity, "validity", "10y", "how long the root is valid"+durationUnits)
	f.IntVar(&o.PathLen, "path-len", -1, "path length constraint (-1: none)")
	f.StringVar(&o.PolicyFile, "policy", "", "policy.json for the root (default: the default policy)")
	f.BoolVar(&o.noPass, "no-passphrase", false, "store the root key unencrypted")
	o.registerURLs(cmd)
	registerKeyURI(cmd, &o.KeyURI)
	cmd.MarkFlagRequired("cn")
	return cmd
}

func runInit(ctx context.Context, g *globals, o *initOptions) error {
	req, err := o.NewCA()
	if err != nil {
		return err
	}
	if o.KeyURI == "" {
		if err := g.rootPassphrase(&req, o.noPass); err != nil {
			return err
		}
	}
	root, err := home.Create(ctx, g.h().Config(), req)
	if err != nil {
		return err
	}
	return g.renderText(g.h().CreatedReport(req, root))
}

// rootPassphrase refuses an existing home, then sets the passphrase of the
// new root key (asked for unless noPass) and its KDF cost on req.
func (g *globals) rootPassphrase(req *home.NewCA, noPass bool) error {
	if err := home.CheckNew(g.home); err != nil {
		return err
	}
	pass, err := g.newPassphrase(noPass)
	if err != nil {
		return err
	}
	req.KDFCost, req.Passphrase = g.kdfCost, func([]byte) ([]byte, error) { return pass, nil }
	return nil
}

// caFlags are the flags ca init and ca intermediate create share.
type caFlags struct {
	home.CARequest
	noPass bool
}

// registerURLs adds the flags of the new CA's publication URLs.
func (c *caFlags) registerURLs(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&c.URLs.CRL, "crl-url", "", "URL of its CRL, put in every certificate it signs ({issuer}: its name; see docs/publication.md)")
	f.StringVar(&c.URLs.OCSP, "ocsp-url", "", "URL of its OCSP responder, put in every certificate it signs")
	f.StringVar(&c.URLs.CAIssuers, "ca-issuers-url", "", "URL of its certificate, put in every certificate it signs")
}
