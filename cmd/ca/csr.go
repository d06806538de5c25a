package main

import (
	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
)

type csrCreateOptions struct {
	dn      home.DN
	sans    home.SANs
	keyType string
	keyOut  string
	out     string
	noPass  bool
}

func newCSRCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "csr",
		Short: "Make certificate signing requests (the requester's side)",
		Args:  noArgs,
	}
	cmd.AddCommand(newCSRCreateCmd(g))
	return cmd
}

func newCSRCreateCmd(g *globals) *cobra.Command {
	o := &csrCreateOptions{}
	cmd := &cobra.Command{
		Use:   "create --cn CN --key-out FILE --out FILE",
		Short: "Make a key and a CSR for it",
		Long: `create makes a new key (PKCS#8, mode 0600, encrypted with the passphrase from
--passphrase-file, $CA_PASSPHRASE_FILE or $CA_PASSPHRASE unless --no-passphrase)
and a PKCS#10 request with the DN flags and the DNS, IP, email and URI names.
It never writes over an existing file (exit 5) and checks both outputs before
it makes the key. The request asks for nothing but the names: the profile
chosen at signing decides key usage and the rest. --out - writes the request
to stdout.`,
		Example: `  ca csr create --cn www.example.com --dns www.example.com --org Example --country DE \
      --key-out www.key --out www.csr --no-passphrase
  ca csr create --cn device-42 --uri spiffe://example.com/device/42 --key-type ed25519 --key-out d42.key --out -`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runCSRCreate(g, o) },
	}
	registerDN(cmd, &o.dn, "common name (required)")
	f := cmd.Flags()
	registerSANs(cmd, &o.sans)
	f.StringVar(&o.keyType, "key-type", "ecdsa-p256", "ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519")
	f.StringVar(&o.keyOut, "key-out", "", "file for the new private key (required; never overwritten)")
	f.StringVar(&o.out, "out", "", `file for the request (required; "-": stdout; never overwritten)`)
	f.BoolVar(&o.noPass, "no-passphrase", false, "store the new key unencrypted")
	cmd.MarkFlagRequired("cn")
	cmd.MarkFlagRequired("key-out")
	cmd.MarkFlagRequired("out")
	return cmd
}

func runCSRCreate(g *globals, o *csrCreateOptions) error {
	plan, err := home.NewCSRPlan(home.CSRConfig{
		DN: o.dn, SANs: o.sans, KeyType: o.keyType, KeyOut: o.keyOut, Out: o.out, KDFCost: g.kdfCost,
	})
	if err != nil {
		return err
	}
	pass, err := g.newPassphrase(o.noPass)
	if err != nil {
		return err
	}
	res, err := plan.Create(pass)
	if err != nil {
		return err
	}
	if o.out == "-" {
		_, err := g.stdout.Write(res.PEM)
		return err
	}
	return g.renderText(res)
}
