package main

import (
	"cmp"

	"github.com/spf13/cobra"

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
