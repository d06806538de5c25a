package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
)

type csrCreateOptions struct {
	dn      dnFlags
	sans    sanFlags
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
	o.dn.register(cmd, "common name (required)")
	f := cmd.Flags()
	o.sans.register(cmd)
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
	kt, err := pem.ParseKeyType(o.keyType)
	if err != nil {
		return err
	}
	tmpl, err := o.template()
	if err != nil {
		return err
	}
	if err := o.checkOutputs(); err != nil {
		return err
	}
	pass, err := g.newPassphrase(o.noPass)
	if err != nil {
		return err
	}
	keyPEM, csrPEM, err := g.newCSR(kt, tmpl, pass)
	if err != nil {
		return err
	}
	// The key first: a request is worth nothing without it.
	files := []place.File{{Path: o.keyOut, Data: keyPEM, Mode: 0o600, NoReplace: true}}
	if o.out != "-" {
		files = append(files, place.File{Path: o.out, Data: csrPEM, NoReplace: true})
	}
	if err := place.WriteFiles(files...); err != nil {
		return err
	}
	if o.out == "-" {
		_, err := g.stdout.Write(csrPEM)
		return err
	}
	return g.render(csrCreateResult{
		Key: o.keyOut, CSR: o.out, Subject: tmpl.Subject.String(), KeyType: string(kt), Encrypted: pass != nil,
		SANs: append([]string{}, slices.Concat(o.sans.dns, o.sans.ips, o.sans.emails, o.sans.uris)...),
	})
}

// newCSR makes a key of type kt and a request for it with the names of
// tmpl; the key is encrypted with pass (at the KDF cost of --kdf-cost)
// unless it is nil, and pass is cleared once the KDF is done.
func (g *globals) newCSR(kt pem.KeyType, tmpl csr.Template, pass []byte) (keyPEM, csrPEM []byte, err error) {
	defer clear(pass)
	key, err := pem.GenerateKey(kt)
	if err != nil {
		return nil, nil, err
	}
	der, err := csr.Create(key, tmpl)
	if err != nil {
		return nil, nil, err
	}
	if keyPEM, err = pem.MarshalPrivateKeyCost(key, pass, g.kdfCost); err != nil {
		return nil, nil, err
	}
	return keyPEM, pem.Encode(pem.TypeCSR, der), nil
}

// template checks the names given on the command line.
func (o *csrCreateOptions) template() (csr.Template, error) {
	if err := o.dn.check(); err != nil {
		return csr.Template{}, err
	}
	if err := o.sans.checkNames(); err != nil {
		return csr.Template{}, err
	}
	ips, uris, err := o.sans.parse()
	if err != nil {
		return csr.Template{}, err
	}
	t := csr.Template{Subject: o.dn.name(), DNSNames: o.sans.dns, IPAddresses: ips, EmailAddresses: o.sans.emails, URIs: uris}
	return t, nil
}

// checkOutputs refuses, before the key is made, outputs that exist or that
// cannot be files.
func (o *csrCreateOptions) checkOutputs() error {
	switch {
	case o.keyOut == "-":
		return usageError{errors.New("--key-out must name a file: a private key never goes to stdout")}
	case filepath.Clean(o.keyOut) == filepath.Clean(o.out):
		return usageError{errors.New("--key-out and --out name the same file")}
	}
	if err := place.CheckWritable(o.keyOut, true); err != nil {
		return err
	}
	if o.out != "-" {
		return place.CheckWritable(o.out, true)
	}
	return nil
}

type csrCreateResult struct {
	Key       string   `json:"key"`
	CSR       string   `json:"csr"`
	Subject   string   `json:"subject"`
	SANs      []string `json:"sans"`
	KeyType   string   `json:"keyType"`
	Encrypted bool     `json:"encrypted"`
}

func (r csrCreateResult) text(w io.Writer) {
	enc := "not encrypted"
	if r.Encrypted {
		enc = "encrypted"
	}
	fmt.Fprintf(w, "wrote request %s for %s\n  key   %s (%s, %s)\n", r.CSR, r.Subject, r.Key, r.KeyType, enc)
	if len(r.SANs) > 0 {
		fmt.Fprintf(w, "  names %v\n", r.SANs)
	}
}
