package home

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"io"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
)

// PKCS12Export is what "ca export pkcs12" is given: the certificate, by
// Serial of the home or by CertFile (the caller checks that exactly one
// is given), its key, whether its chain goes in, and where the bundle goes.
type PKCS12Export struct {
	Serial   string // a serial in any form ca.ParseSerial takes
	CertFile string // a certificate file, PEM or DER ("-" is Stdin)
	KeyFile  string // the certificate's private key, opened with OpenKey
	Chain    bool   // include the intermediates (not the root)
	// Out is the file to write, mode 0600, never replacing one; for "-"
	// Write returns the bundle instead.
	Out   string
	Stdin io.Reader
	// OpenKey opens KeyFile; Password gives the bundle's password.
	OpenKey  func(path string) (crypto.Signer, error)
	Password func() ([]byte, error)
	// Home gives the home; it is asked for only when Serial or Chain
	// needs it.
	Home func() *Home
}

// PKCS12Report is what "ca export pkcs12" wrote, for text and JSON.
type PKCS12Report struct {
	File       string `json:"file"`
	Serial     string `json:"serial"`
	Subject    string `json:"subject"`
	Chain      int    `json:"chain"`
	Encryption string `json:"encryption"`
}

// Write checks that Out can be written (place.CheckWritable), finds the
// certificate and its chain, opens the key and bundles them (ca.PKCS12):
// into Out, or for Out "-" into the bundle it returns with a nil report.
func (x PKCS12Export) Write(ctx context.Context) (*PKCS12Report, []byte, error) {
	if x.Out != "-" {
		if err := place.CheckWritable(x.Out, true); err != nil {
			return nil, nil, err
		}
	}
	cert, chain, err := exportSubject(ctx, x.Home, x.Stdin, x.Serial, x.CertFile, x.Chain)
	if err != nil {
		return nil, nil, err
	}
	key, err := x.OpenKey(x.KeyFile)
	if err != nil {
		return nil, nil, err
	}
	pfx, err := ca.PKCS12{Cert: cert, Chain: chain, Key: key, KeyName: x.KeyFile}.Encode(x.Password)
	if err != nil || x.Out == "-" {
		return nil, pfx, err
	}
	if err := place.WriteFiles(place.File{Path: x.Out, Data: pfx, Mode: 0o600, NoReplace: true}); err != nil {
		return nil, nil, err
	}
	return &PKCS12Report{File: x.Out, Serial: ca.FormatSerial(cert.SerialNumber), Subject: cert.Subject.String(),
		Chain: len(chain), Encryption: ca.PKCS12Encryption}, nil, nil
}

// WriteText says which file was written with what.
func (r *PKCS12Report) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "wrote %s\n  serial     %s\n  subject    %s\n  chain      %d intermediate(s)\n  encryption %s\n",
		r.File, r.Serial, r.Subject, r.Chain, r.Encryption)
	return err
}

// exportSubject returns the certificate named by serial or by certFile
// and, when withChain, its intermediates from the home (not the root).
func exportSubject(ctx context.Context, home func() *Home, stdin io.Reader, serial, certFile string, withChain bool) (*x509.Certificate, []*x509.Certificate, error) {
	if certFile == "" {
		s, err := ca.ParseSerial(serial)
		if err != nil {
			return nil, nil, err
		}
		return home().CertificateChain(ctx, s, withChain)
	}
	cert, err := ReadCertificateFile(stdin, certFile)
	if err != nil || !withChain {
		return cert, nil, err
	}
	chain, err := home().IntermediatesOf(ctx, cert, certFile)
	return cert, chain, err
}

// ChainExport is what "ca export chain" made, for JSON: the certificate's
// serial and subject, and the PEM of the chain or the file it went to.
type ChainExport struct {
	Serial  string `json:"serial"`
	Subject string `json:"subject"`
	PEM     string `json:"pem,omitempty"`
	File    string `json:"file,omitempty"`
}

// ExportChain encodes the certificate with serial (any form ca.ParseSerial
// takes) followed by its intermediates, nearest first, without the root
// (ca.EncodeChain), and writes it to out, which may replace only a
// certificate file (CheckOut); for out "-" the PEM is returned instead.
// home gives the home, asked for only once serial parses or out is checked.
func ExportChain(ctx context.Context, home func() *Home, serial, out string) (*ChainExport, error) {
	if out != "-" {
		if err := home().CheckOut("--out", out, pem.KindCertificate); err != nil {
			return nil, err
		}
	}
	cert, chain, err := exportSubject(ctx, home, nil, serial, "", true)
	if err != nil {
		return nil, err
	}
	data := ca.EncodeChain(append([]*x509.Certificate{cert}, chain...))
	x := &ChainExport{Serial: ca.FormatSerial(cert.SerialNumber), Subject: cert.Subject.String(), PEM: string(data)}
	if out != "-" {
		if err := place.WriteFiles(place.File{Path: out, Data: data, Check: pem.KindCertificate.Check}); err != nil {
			return nil, err
		}
		x.PEM, x.File = "", out
	}
	return x, nil
}
