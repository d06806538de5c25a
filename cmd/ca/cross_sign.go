package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

type crossSignOptions struct {
	cert, issuer, validity, out string
	pathLen                     int
	permitDNS, excludeDNS       []string
	permitIP, excludeIP         []string
	permitEmail                 []string
}

func newCrossSignCmd(g *globals) *cobra.Command {
	o := &crossSignOptions{}
	cmd := &cobra.Command{
		Use:   "cross-sign --cert CA.pem --out FILE",
		Short: "Sign another CA's certificate with one of ours (root rollover, merging PKIs)",
		Long: `cross-sign makes a CA certificate for the subject and public key of another CA's
certificate (--cert), signed by one of this home's issuers (--issuer, else the
default issuer: the only intermediate, else the root). Clients that trust this
home's root then accept what the other CA signs, through the cross certificate:
root rollover (the old root cross-signs the new one) or merging two PKIs. It is
recorded (profile cross), listed by "ca list" and revoked by "ca revoke" like
any certificate, and written to --out.

--path-len defaults to the other certificate's own constraint (none when it has
none); name constraints (--permit-dns, --exclude-dns, --permit-ip,
--exclude-ip, --permit-email) are marked critical. It lasts --validity, else
until the other certificate's notAfter or the issuer's, whichever comes first;
never past the issuer's (exit 3). Refused (exit 3): a certificate that is not
a CA, one that expired, and one whose key is one of this home's issuers'.`,
		Example: `  ca cross-sign --cert new-root.pem --issuer root --out new-root.cross.pem
  ca cross-sign --cert partner-ca.pem --permit-dns partner.example --path-len 0 --out partner.cross.pem`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, name := range []string{"permit-dns", "exclude-dns", "permit-ip", "exclude-ip", "permit-email"} {
				if v, _ := cmd.Flags().GetStringSlice(name); cmd.Flags().Changed(name) && len(v) == 0 {
					return usageError{fmt.Errorf("--%s is empty; give a name, or leave the flag out", name)}
				}
			}
			switch {
			case !cmd.Flags().Changed("path-len"):
				o.pathLen = ca.PathLenOfCert
			case o.pathLen < -1:
				return usageError{fmt.Errorf("--path-len %d: give 0 or more, or -1 for none", o.pathLen)}
			}
			return runCrossSign(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.cert, "cert", "", "the other CA's certificate (PEM or DER; required)")
	f.StringVar(&o.issuer, "issuer", "", "the issuer that signs (default: the only intermediate, else the root)")
	f.IntVar(&o.pathLen, "path-len", 0, "path length constraint, -1 for none (default: the certificate's own)")
	f.StringVar(&o.validity, "validity", "", "how long it is valid (default: until the certificate's or the issuer's notAfter, whichever is first)"+durationUnits)
	f.StringSliceVar(&o.permitDNS, "permit-dns", nil, "permitted DNS subtree (repeatable)")
	f.StringSliceVar(&o.excludeDNS, "exclude-dns", nil, "excluded DNS subtree (repeatable)")
	f.StringSliceVar(&o.permitIP, "permit-ip", nil, "permitted IP range in CIDR form (repeatable)")
	f.StringSliceVar(&o.excludeIP, "exclude-ip", nil, "excluded IP range in CIDR form (repeatable)")
	f.StringSliceVar(&o.permitEmail, "permit-email", nil, "permitted email domain or address (repeatable)")
	f.StringVar(&o.out, "out", "", "file for the cross certificate (replaces only a certificate file; required)")
	cmd.MarkFlagRequired("cert")
	cmd.MarkFlagRequired("out")
	return cmd
}

func runCrossSign(ctx context.Context, g *globals, o *crossSignOptions) error {
	cfg, err := o.config()
	if err != nil {
		return err
	}
	if o.out == "-" {
		return usageError{errors.New("--out -: cross-sign writes a file; name one")}
	}
	if err := g.checkOut("--out", o.out, pem.KindCertificate); err != nil {
		return err
	}
	foreign, err := readCertFile(g, o.cert)
	if err != nil {
		return err
	}
	issued, err := g.h().CrossSign(ctx, foreign, home.CrossSignOptions{Issuer: o.issuer, Config: cfg, Out: o.out})
	if err != nil {
		return err
	}
	c := issued.Cert
	res := crossSignResult{Serial: ca.FormatSerial(c.SerialNumber), Issuer: issued.Record.Issuer, Subject: c.Subject.String(),
		NotAfter: c.NotAfter.UTC(), File: o.out}
	if c.MaxPathLen > 0 || c.MaxPathLenZero {
		res.PathLen = &c.MaxPathLen
	}
	return g.render(res)
}

// config parses the flags into the cross certificate's configuration.
func (o *crossSignOptions) config() (ca.Template, error) {
	cfg := ca.Template{MaxPathLen: o.pathLen, PermittedDNSDomains: o.permitDNS, ExcludedDNSDomains: o.excludeDNS, PermittedEmailAddresses: o.permitEmail}
	if err := checkDNSConstraints(o.permitDNS, o.excludeDNS); err != nil {
		return cfg, err
	}
	var err error
	if cfg.PermittedIPRanges, err = parseCIDRs("permit-ip", o.permitIP); err != nil {
		return cfg, err
	}
	if cfg.ExcludedIPRanges, err = parseCIDRs("exclude-ip", o.excludeIP); err != nil {
		return cfg, err
	}
	if o.validity != "" {
		if cfg.Validity, err = parseDuration("validity", o.validity); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

type crossSignResult struct {
	Serial   string    `json:"serial"`
	Issuer   string    `json:"issuer"`
	Subject  string    `json:"subject"`
	NotAfter time.Time `json:"notAfter"`
	PathLen  *int      `json:"pathLen"`
	File     string    `json:"file"`
}

func (r crossSignResult) text(w io.Writer) {
	fmt.Fprintf(w, "cross-signed %s with issuer %q\n  serial   %s\n  notAfter %s\n  wrote    %s\n",
		printable(r.Subject), r.Issuer, r.Serial, r.NotAfter.Format(time.RFC3339), r.File)
}
