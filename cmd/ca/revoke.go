package main

import (
	"context"
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
)

func newRevokeCmd(g *globals) *cobra.Command {
	o := &home.RevokeInput{}
	cmd := &cobra.Command{
		Use:   "revoke SERIAL... | --cert FILE",
		Short: "Revoke certificates of the home",
		Long: `revoke marks certificates of the home as revoked, all in one store
transaction: when any serial is unknown (exit 4) or already revoked (exit 5),
none is revoked. Serials are hex, either case, with or without colons or
leading zeros. --cert names certificate files instead (PEM or DER); the file
must be the certificate the home recorded under its serial.

A revocation counts at once for what reads the store: "ca verify" fails
for the certificate, and within a second a running "ca serve" refuses it
and a running "ca publish" answers "revoked" to OCSP (its CRLs follow with
--crl-refresh).
CRL files list it only from the issuer's next "ca crl export"; revoking an
intermediate puts it on its parent's CRL. A reason of unspecified (the
default) adds no reason code to the CRL entry (RFC 5280, 5.3.1).

Reasons: ` + strings.Join(ca.ReasonNames(), ", ") + `.`,
		Example: `  ca revoke 3f:2a:91...
  ca revoke --reason keyCompromise --invalidity-date 2026-01-02T03:04:05Z 3F2A91... 0b77...
  ca revoke --cert web.crt --reason superseded`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && len(o.CertFiles) == 0 {
				return usageError{errors.New("name the certificates to revoke: SERIAL... or --cert FILE")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runRevoke(cmd.Context(), g, o, args) },
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.CertFiles, "cert", nil, "a certificate file (PEM or DER; - is stdin) to revoke (repeatable)")
	f.StringVar(&o.Reason, "reason", "unspecified", "RFC 5280 reason: "+strings.Join(ca.ReasonNames(), ", "))
	f.StringVar(&o.InvalidityDate, "invalidity-date", "", "when the key is known or suspected to have been compromised (RFC 3339)")
	return cmd
}

func runRevoke(ctx context.Context, g *globals, o *home.RevokeInput, args []string) error {
	in := *o
	in.Serials = args
	l, err := in.Parse(g.stdin)
	if err != nil {
		return err
	}
	revs, err := g.h().Revoke(ctx, l.Serials, l.Certs, l.Reason, l.Invalidity)
	if err != nil {
		return err
	}
	return g.renderText(ca.NewRevocationReports(revs))
}
