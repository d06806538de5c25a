package main

import (
	"context"
	"crypto/x509"
	"errors"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
)

func newExportCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export certificates for other software: PKCS#12 bundles and chains",
		Args:  noArgs,
	}
	cmd.AddCommand(newExportPKCS12Cmd(g), newExportChainCmd(g))
	return cmd
}

func newExportPKCS12Cmd(g *globals) *cobra.Command {
	o := &home.PKCS12Export{}
	cmd := &cobra.Command{
		Use:   "pkcs12 (SERIAL | --cert FILE) --key FILE --out FILE",
		Short: "Bundle a certificate and its key into a password-protected PKCS#12 file",
		Long: `pkcs12 writes a certificate (a serial of the home, or --cert FILE) and its
private key (--key FILE, PKCS#8 PEM) into one PKCS#12 (.p12/.pfx) file for Java
keystores, Windows and devices that take PKCS#12. With --chain the
certificate's intermediates (not the root) go in too.

The bundle is encrypted with PBES2 (PBKDF2-HMAC-SHA-256, AES-256-CBC) and a
SHA-256 MAC ("Modern2023": OpenSSL 1.1.1+, Java 12+, Windows Server 2019+).
Its password comes from --passphrase-file, $CA_PASSPHRASE_FILE,
$CA_PASSPHRASE or a prompt on a terminal; an encrypted --key is opened with
--key-passphrase-file or $CA_KEY_PASSPHRASE_FILE. The file is written with mode
0600 and never replaces an existing one.`,
		Example: `  ca export pkcs12 3f2a9c... --key web.key --chain --out web.p12 --passphrase-file p12.pass
  ca export pkcs12 --cert web.crt --key web.key --out web.p12 --passphrase-file p12.pass`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExportPKCS12(cmd.Context(), g, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.CertFile, "cert", "", "the certificate file (PEM or DER) instead of a SERIAL")
	f.StringVar(&o.KeyFile, "key", "", "the certificate's private key, PKCS#8 PEM (required)")
	f.BoolVar(&o.Chain, "chain", false, "include the intermediates (not the root)")
	f.StringVar(&o.Out, "out", "", "the PKCS#12 file to write, - for stdout (required)")
	cmd.MarkFlagRequired("key")
	cmd.MarkFlagRequired("out")
	return cmd
}

func runExportPKCS12(ctx context.Context, g *globals, o *home.PKCS12Export, args []string) error {
	if (len(args) == 1) == (o.CertFile != "") {
		return usageError{errors.New("name the certificate by SERIAL or by --cert FILE (one of them)")}
	}
	x := *o
	x.Stdin, x.Home, x.OpenKey = g.stdin, g.h, g.secrets().OpenKey
	x.Password = func() ([]byte, error) { return g.secrets().New("password for the PKCS#12 file: ", "passwords", "") }
	if len(args) == 1 {
		x.Serial = args[0]
	}
	rep, pfx, err := x.Write(ctx)
	if err != nil {
		return err
	}
	if rep == nil {
		_, err := g.stdout.Write(pfx)
		return err
	}
	return g.renderText(rep)
}

// readCertFile reads one certificate, PEM or DER ("-" is stdin).
func readCertFile(g *globals, path string) (*x509.Certificate, error) {
	return home.ReadCertificateFile(g.stdin, path)
}

type exportChainOptions struct {
	out string
}

func newExportChainCmd(g *globals) *cobra.Command {
	o := &exportChainOptions{}
	cmd := &cobra.Command{
		Use:   "chain SERIAL",
		Short: "Print a certificate and its intermediates (not the root) as PEM",
		Long: `chain prints the certificate with this serial followed by its intermediates,
nearest first, without the root: what a TLS server presents, the same as the
NAME.chain.pem that "ca issue" writes. With -o json: {serial, subject, pem}.`,
		Example: `  ca export chain 3f2a9c... > web.chain.pem
  ca export chain 3f2a9c... --out web.chain.pem`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExportChain(cmd.Context(), g, o, args)
		},
	}
	cmd.Flags().StringVar(&o.out, "out", "-", "the file to write (replaces only a certificate file), - for stdout")
	return cmd
}

func runExportChain(ctx context.Context, g *globals, o *exportChainOptions, args []string) error {
	x, err := home.ExportChain(ctx, g.h, args[0], o.out)
	if err != nil {
		return err
	}
	if g.json() {
		return writeJSON(g.stdout, x)
	}
	_, err = g.stdout.Write([]byte(x.PEM))
	return err
}
