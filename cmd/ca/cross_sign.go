package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
)

func newCrossSignCmd(g *globals) *cobra.Command {
	o := &home.CrossSignRequest{}
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
			if err := checkNotEmpty(cmd, "permit-dns", "exclude-dns", "permit-ip", "exclude-ip", "permit-email"); err != nil {
				return err
			}
			o.OwnPathLen = !cmd.Flags().Changed("path-len")
			return runCrossSign(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Cert, "cert", "", "the other CA's certificate (PEM or DER; required)")
	f.StringVar(&o.Issuer, "issuer", "", "the issuer that signs (default: the only intermediate, else the root)")
	f.IntVar(&o.PathLen, "path-len", 0, "path length constraint, -1 for none (default: the certificate's own)")
	f.StringVar(&o.Validity, "validity", "", "how long it is valid (default: until the certificate's or the issuer's notAfter, whichever is first)"+durationUnits)
	f.StringSliceVar(&o.PermitDNS, "permit-dns", nil, "permitted DNS subtree (repeatable)")
	f.StringSliceVar(&o.ExcludeDNS, "exclude-dns", nil, "excluded DNS subtree (repeatable)")
	f.StringSliceVar(&o.PermitIP, "permit-ip", nil, "permitted IP range in CIDR form (repeatable)")
	f.StringSliceVar(&o.ExcludeIP, "exclude-ip", nil, "excluded IP range in CIDR form (repeatable)")
	f.StringSliceVar(&o.PermitEmail, "permit-email", nil, "permitted email domain or address (repeatable)")
	f.StringVar(&o.Out, "out", "", "file for the cross certificate (replaces only a certificate file; required)")
	cmd.MarkFlagRequired("cert")
	cmd.MarkFlagRequired("out")
	return cmd
}

func runCrossSign(ctx context.Context, g *globals, o *home.CrossSignRequest) error {
	if err := o.Check(); err != nil { // before the home, and its warnings
		return err
	}
	opts, err := g.h().CheckCrossSign(*o)
	if err != nil {
		return err
	}
	foreign, err := readCertFile(g, o.Cert)
	if err != nil {
		return err
	}
	issued, err := g.h().CrossSign(ctx, foreign, opts)
	if err != nil {
		return err
	}
	return g.renderText(home.NewCrossSignReport(issued, o.Out))
}
