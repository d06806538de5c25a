package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
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

type exportPKCS12Options struct {
	certFile string
	keyFile  string
	chain    bool
	out      string
}

func newExportPKCS12Cmd(g *globals) *cobra.Command {
	o := &exportPKCS12Options{}
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
	f.StringVar(&o.certFile, "cert", "", "the certificate file (PEM or DER) instead of a SERIAL")
	f.StringVar(&o.keyFile, "key", "", "the certificate's private key, PKCS#8 PEM (required)")
	f.BoolVar(&o.chain, "chain", false, "include the intermediates (not the root)")
	f.StringVar(&o.out, "out", "", "the PKCS#12 file to write, - for stdout (required)")
	cmd.MarkFlagRequired("key")
	cmd.MarkFlagRequired("out")
	return cmd
}

func runExportPKCS12(ctx context.Context, g *globals, o *exportPKCS12Options, args []string) error {
	if (len(args) == 1) == (o.certFile != "") {
		return usageError{errors.New("name the certificate by SERIAL or by --cert FILE (one of them)")}
	}
	if o.out != "-" {
		if err := place.CheckWritable(o.out, true); err != nil {
			return err
		}
	}
	cert, chain, err := g.exportSubject(ctx, args, o.certFile, o.chain)
	if err != nil {
		return err
	}
	key, err := g.secrets().OpenKey(o.keyFile)
	if err != nil {
		return err
	}
	pfx, err := ca.PKCS12{Cert: cert, Chain: chain, Key: key, KeyName: o.keyFile}.Encode(func() ([]byte, error) {
		return g.secrets().New("password for the PKCS#12 file: ", "passwords", "")
	})
	if err != nil {
		return err
	}
	if o.out == "-" {
		_, err := g.stdout.Write(pfx)
		return err
	}
	if err := place.WriteFiles(place.File{Path: o.out, Data: pfx, Mode: 0o600, NoReplace: true}); err != nil {
		return err
	}
	return g.render(exportResult{File: o.out, Serial: ca.FormatSerial(cert.SerialNumber), Subject: cert.Subject.String(),
		Chain: len(chain), Encryption: ca.PKCS12Encryption})
}

type exportResult struct {
	File       string `json:"file"`
	Serial     string `json:"serial"`
	Subject    string `json:"subject"`
	Chain      int    `json:"chain"`
	Encryption string `json:"encryption"`
}

func (r exportResult) text(w io.Writer) {
	fmt.Fprintf(w, "wrote %s\n  serial     %s\n  subject    %s\n  chain      %d intermediate(s)\n  encryption %s\n",
		r.File, r.Serial, r.Subject, r.Chain, r.Encryption)
}

// exportSubject returns the certificate named by a SERIAL argument or by
// certFile and, when withChain, its intermediates from the home (not the root).
func (g *globals) exportSubject(ctx context.Context, args []string, certFile string, withChain bool) (*x509.Certificate, []*x509.Certificate, error) {
	if certFile == "" {
		serial, err := ca.ParseSerial(args[0])
		if err != nil {
			return nil, nil, err
		}
		return g.h().CertificateChain(ctx, serial, withChain)
	}
	cert, err := readCertFile(g, certFile)
	if err != nil || !withChain {
		return cert, nil, err
	}
	chain, err := g.h().IntermediatesOf(ctx, cert, certFile)
	return cert, chain, err
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
	if err := g.checkOut("--out", o.out, pem.KindCertificate); err != nil {
		return err
	}
	cert, chain, err := g.exportSubject(ctx, args, "", true)
	if err != nil {
		return err
	}
	data := ca.EncodeChain(append([]*x509.Certificate{cert}, chain...))
	if o.out != "-" {
		if err := place.WriteFiles(place.File{Path: o.out, Data: data, Check: pem.KindCertificate.Check}); err != nil {
			return err
		}
		data = nil
	}
	if g.json() {
		return writeJSON(g.stdout, chainResult{Serial: ca.FormatSerial(cert.SerialNumber), Subject: cert.Subject.String(), PEM: string(data), File: fileOrEmpty(o.out)})
	}
	_, err = g.stdout.Write(data)
	return err
}

type chainResult struct {
	Serial  string `json:"serial"`
	Subject string `json:"subject"`
	PEM     string `json:"pem,omitempty"`
	File    string `json:"file,omitempty"`
}

func fileOrEmpty(out string) string {
	if out == "-" {
		return ""
	}
	return out
}
