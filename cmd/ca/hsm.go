package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pkcs11"
)

// registerKeyURI adds --key-uri to init and intermediate create.
func registerKeyURI(cmd *cobra.Command, v *string) {
	cmd.Flags().StringVar(v, "key-uri", "", "make the key on a PKCS#11 token, or use the one there, e.g. 'pkcs11:token=T;object=O?pin-source=file:PATH' (RFC 7512; the home keeps key.uri, no key.pem; never pin-value; see docs/hsm.md)")
}

// pkcs11Config is where issuer keys on tokens are reached: the module of
// --pkcs11-module (else $CA_PKCS11_MODULE) and the PIN file of
// $CA_PKCS11_PIN_FILE (a key URI's pin-source comes first).
func (g *globals) pkcs11Config() pkcs11.Config {
	return pkcs11.Config{Module: cmp.Or(g.pkcs11Module, g.env["CA_PKCS11_MODULE"]), PINFile: g.env["CA_PKCS11_PIN_FILE"]}
}

// runInitToken is ca init --key-uri: the root's key is made on the token
// (or found there) and the home keeps key.uri; no passphrase is asked.
func runInitToken(ctx context.Context, g *globals, o *initOptions) error {
	kt, validity, policy, err := o.check()
	if err != nil {
		return err
	}
	root, err := home.Create(ctx, g.h().Config(), home.NewCA{
		Name: o.name, Template: ca.Template{Subject: o.dn.name(), Validity: validity, MaxPathLen: o.pathLen},
		KeyType: kt, KeyURI: o.keyURI, Policy: policy,
	})
	if err != nil {
		return err
	}
	return g.render(newTokenCAResult(g, o.name, root))
}

// runIntermediateToken is ca intermediate create --key-uri.
func runIntermediateToken(ctx context.Context, g *globals, o *intermediateOptions) error {
	kt, tmpl, policy, err := o.config()
	if err != nil {
		return err
	}
	created, err := g.h().CreateIntermediate(ctx, o.parent, home.NewCA{
		Name: o.name, Template: tmpl, KeyType: kt, KeyURI: o.keyURI, Policy: policy,
	})
	if err != nil {
		return err
	}
	return g.render(newTokenCAResult(g, o.name, created))
}

func newTokenCAResult(g *globals, name string, c *home.Created) tokenCAResult {
	return tokenCAResult{initResult: initResult{
		Home: g.home, Issuer: name, Serial: ca.FormatSerial(c.Cert.SerialNumber), Subject: c.Cert.Subject.String(),
		NotAfter: c.Cert.NotAfter.UTC(), KeyType: string(c.Token.Type), Cert: g.h().IssuerFile(name, home.FileCert),
	}, Parent: c.Parent, KeyURI: c.Token.URI, KeyCreated: c.Token.Created}
}

// tokenCAResult is what init and intermediate create report for a CA
// whose key is on a token.
type tokenCAResult struct {
	initResult
	Parent     string `json:"parent,omitempty"`
	KeyURI     string `json:"keyURI"`
	KeyCreated bool   `json:"keyCreated"`
}

func (r tokenCAResult) text(w io.Writer) {
	what := fmt.Sprintf("created home %s with root %q", r.Home, r.Issuer)
	if r.Parent != "" {
		what = fmt.Sprintf("created intermediate %q signed by %q", r.Issuer, r.Parent)
	}
	made := map[bool]string{true: "made on the token", false: "found on the token"}[r.KeyCreated]
	fmt.Fprintf(w, "%s (%s)\n  subject  %s\n  serial   %s\n  notAfter %s\n  key      %s, %s\n  key uri  %s\n  cert     %s\n",
		what, r.KeyType, r.Subject, r.Serial, r.NotAfter.Format(time.RFC3339), r.KeyType, made, r.KeyURI, r.Cert)
}
