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

// runInitToken is ca init --key-uri: the root's key is made on (or found
// on) the token before the home is made, and destroyed again if it was made
// and no home came of it.
func runInitToken(ctx context.Context, g *globals, o *initOptions) error {
	kt, validity, policy, err := o.check()
	if err != nil {
		return err
	}
	if err := home.CheckNew(g.home); err != nil {
		return err
	}
	key, err := g.h().TokenKey(o.keyURI, kt)
	if err != nil {
		return err
	}
	defer key.Close()
	cfg := ca.CAConfig{Subject: o.dn.name(), Validity: validity, MaxPathLen: o.pathLen}
	cert, err := home.Create(ctx, g.h().Config(), home.NewCA{Name: o.name, Config: cfg, Key: key, KeyURI: key.URI.String(), Policy: policy})
	if err != nil {
		if key.Created && home.CheckNew(g.home) == nil {
			key.Destroy()
		}
		return err
	}
	return g.render(tokenCAResult{initResult: initResult{
		Home: g.home, Issuer: o.name, Serial: ca.FormatSerial(cert.SerialNumber), Subject: cert.Subject.String(),
		NotAfter: cert.NotAfter.UTC(), KeyType: string(key.Type()), Cert: g.h().IssuerFile(o.name, home.FileCert),
	}, KeyURI: key.URI.String(), KeyCreated: key.Created})
}

// runIntermediateToken is ca intermediate create --key-uri: the key is
// made on (or found on) the token before the store is locked, and destroyed
// again if it was made and nothing was recorded with it.
func runIntermediateToken(ctx context.Context, g *globals, o *intermediateOptions) error {
	kt, cfg, policy, err := o.config()
	if err != nil {
		return err
	}
	if err := g.h().CheckNewIssuer(o.name); err != nil {
		return err
	}
	parent, err := g.h().OpenIssuer(ctx, cmp.Or(o.parent, ca.TheRoot))
	if err != nil {
		return err
	}
	defer parent.Close()
	parent.ForgetPassphrase()
	cfg.Subject = inheritSubject(cfg.Subject, parent.Hierarchy.Certificate(parent.Record.Name).Subject)
	key, err := g.h().TokenKey(o.keyURI, kt)
	if err != nil {
		return err
	}
	defer key.Close()
	issued, err := bindAndCreate(ctx, g, parent, home.NewCA{Name: o.name, Config: cfg, Key: key, KeyURI: key.URI.String(), Policy: policy})
	if issued == nil && key.Created {
		key.Destroy()
	}
	if err != nil {
		return err
	}
	c := issued.Cert
	return g.render(tokenCAResult{initResult: initResult{
		Home: g.home, Issuer: o.name, Serial: ca.FormatSerial(c.SerialNumber), Subject: c.Subject.String(),
		NotAfter: c.NotAfter.UTC(), KeyType: string(key.Type()), Cert: g.h().IssuerFile(o.name, home.FileCert),
	}, Parent: parent.Name(), KeyURI: key.URI.String(), KeyCreated: key.Created})
}

// bindAndCreate locks the store for parent and records req under it.
func bindAndCreate(ctx context.Context, g *globals, parent *home.Issuer, req home.NewCA) (*ca.Issued, error) {
	if err := parent.Bind(); err != nil {
		return nil, err
	}
	return g.h().CreateIntermediate(ctx, parent, req)
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
