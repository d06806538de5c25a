package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

func newShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show SERIAL|FILE",
		Short: "Decode a certificate from the store, or a certificate, CSR or CRL file",
		Long: `show prints one certificate of the home by serial (hex, any case, colons
allowed), or decodes a file holding a certificate, a CSR or a CRL in PEM or DER
("-" reads stdin).`,
		Example: `  ca show 3f2a...      # a certificate of the home
  ca show leaf.crt
  ca show -o json crl.pem`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runShow(cmd.Context(), g, args[0]) },
	}
}

func runShow(ctx context.Context, g *globals, arg string) error {
	if arg == "-" || fileExists(arg) {
		v, err := decodeFile(g, arg)
		if err != nil {
			return err
		}
		return g.render(v)
	}
	serial, err := ca.ParseSerial(arg)
	if err != nil {
		return fmt.Errorf("%w: %q is neither a file nor a serial", ca.ErrNotFound, arg)
	}
	info, err := g.h().DescribeCertificate(ctx, serial)
	if err != nil {
		return err
	}
	return g.render(certView{info})
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// readInput reads a file argument ("-" is stdin) up to limit bytes.
func readInput(g *globals, path string, limit int) ([]byte, error) {
	if path == "-" {
		return pem.ReadAll(g.stdin, limit)
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ca.ErrNotFound, path)
		}
		return nil, err
	}
	defer f.Close()
	data, err := pem.ReadAll(f, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}

// decodeFile reads a certificate, CSR or CRL, PEM or DER (ca.Describe).
func decodeFile(g *globals, path string) (texter, error) {
	data, err := readInput(g, path, pem.MaxCRLSize)
	if err != nil {
		return nil, err
	}
	v, err := ca.Describe(path, data)
	if err != nil {
		return nil, err
	}
	switch v := v.(type) {
	case *ca.CertificateInfo:
		return certView{v}, nil
	case *ca.RequestInfo:
		return csrView{v}, nil
	case *ca.CRLInfo:
		return crlView{v}, nil
	}
	return nil, fmt.Errorf("show: %T cannot be shown", v)
}

// certView, csrView and crlView write what show says about a certificate,
// a CSR and a CRL; their JSON is that of the value they hold.
type (
	certView struct{ *ca.CertificateInfo }
	csrView  struct{ *ca.RequestInfo }
	crlView  struct{ *ca.CRLInfo }
)

func (c certView) text(w io.Writer) {
	revoked, isCA, join := "", "no", func(l []string) string { return strings.Join(l, ", ") }
	if c.RevokedAt != nil {
		revoked = c.RevokedAt.Format(time.RFC3339) + " (" + c.Reason + ")"
	}
	if c.IsCA && c.PathLen != nil {
		isCA = fmt.Sprint("yes, path length ", *c.PathLen)
	} else if c.IsCA {
		isCA = "yes, path length none"
	}
	for _, l := range [][2]string{{"Certificate", c.Serial}, {"Subject", printable(c.Subject)}, {"Issuer", printable(c.Issuer)},
		{"Issuer name", c.IssuerName}, {"Profile", c.Profile}, {"Status", c.Status}, {"Revoked at", revoked},
		{"Not before", c.NotBefore.Format(time.RFC3339)}, {"Not after", c.NotAfter.Format(time.RFC3339)},
		{"Key", c.KeyType}, {"Signature", c.SignatureAlgorithm}, {"CA", isCA},
		{"Key usage", join(c.KeyUsage)}, {"Ext key usage", join(c.ExtKeyUsage)}, {"SANs", join(printables(c.SANs))},
		{"Permitted DNS", join(c.PermittedDNS)}, {"Excluded DNS", join(c.ExcludedDNS)},
		{"Permitted IP", join(c.PermittedIP)}, {"Excluded IP", join(c.ExcludedIP)},
		{"Permitted email", join(c.PermittedEmail)}, {"CRL points", join(c.CRLDistribution)},
		{"Subject key id", c.SubjectKeyID}, {"Authority key id", c.AuthorityKeyID}, {"SHA-256", c.FingerprintSHA256}} {
		if l[1] != "" {
			fmt.Fprintf(w, "%-20s %s\n", l[0]+":", l[1])
		}
	}
	if r := c.RenewalLinks; r != nil {
		for _, l := range []struct {
			name   string
			serial *string
		}{{"Renewal of", r.RenewalOf}, {"Renewed by", r.RenewedBy}} {
			if l.serial != nil {
				fmt.Fprintf(w, "%-20s %s\n", l.name+":", *l.serial)
			}
		}
	}
	for i, l := range c.Chain {
		fmt.Fprintf(w, "%-20s %s (serial %s)\n", fmt.Sprintf("Chain %d:", i+1), printable(l.Subject), l.Serial)
	}
}

// oidSAN is the subjectAltName extension's OID, which show lists as SANs.
const oidSAN = "2.5.29.17"

func (c csrView) text(w io.Writer) {
	fmt.Fprintf(w, "%-20s %s\n%-20s %s\n%-20s %s\n", "Request:", printable(c.Subject), "Key:", c.KeyType, "Signature:", c.SignatureAlgorithm)
	if c.SignatureValid {
		fmt.Fprintf(w, "%-20s %s\n", "Self-signature:", "good")
	} else {
		fmt.Fprintf(w, "%-20s %s\n", "Self-signature:", "REFUSED: "+c.SignatureError)
	}
	if len(c.SANs) > 0 {
		fmt.Fprintf(w, "%-20s %s\n", "SANs:", strings.Join(printables(c.SANs), ", "))
	}
	for _, e := range c.Extensions {
		if e.OID == oidSAN && len(c.SANs) > 0 {
			continue // shown above as SANs
		}
		label := e.OID + " (unknown extension)"
		if e.Name != "" {
			label = e.Name + " (" + e.OID + ")"
		}
		if e.Critical {
			label += ", critical"
		}
		fmt.Fprintf(w, "%-20s %s\n", "Extension:", label)
	}
}

func (c crlView) text(w io.Writer) {
	fmt.Fprintf(w, "%-20s %s\n%-20s %s\n%-20s %s\n%-20s %s\n%-20s %s\n%-20s %d\n",
		"CRL issuer:", printable(c.Issuer), "Number:", c.Number, "This update:", c.ThisUpdate.Format(time.RFC3339),
		"Next update:", c.NextUpdate.Format(time.RFC3339), "Signature:", c.SignatureAlgorithm, "Entries:", len(c.Entries))
	for _, e := range c.Entries {
		fmt.Fprintf(w, "  %s  %s  %s\n", e.Serial, e.RevokedAt.Format(time.RFC3339), e.Reason)
	}
}
