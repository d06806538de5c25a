package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
)

type intermediateRenewOptions struct {
	name, validity string
}

func newIntermediateRenewCmd(g *globals) *cobra.Command {
	o := &intermediateRenewOptions{}
	cmd := &cobra.Command{
		Use:   "renew --name NAME [--validity D]",
		Short: "Give an intermediate a new certificate for the same key and subject",
		Long: `renew has the intermediate's parent sign a new certificate for the same subject,
key, key identifier, path length and name constraints, under a new serial; it
asks for the parent's passphrase, not the intermediate's. The new certificate
is recorded (renewalOf / renewedBy link it to the old one) and becomes the
issuer's: issuers/NAME/cert.pem and chain.pem, and the chain.pem of every
issuer below it, are replaced. Certificates and CRLs signed under the old
certificate verify under the new one. It lasts --validity, else as long as the
old one did; never past the parent's notAfter (exit 3). A revoked
intermediate is not renewed (exit 3); a root is not renewed (exit 2).

When the issuer's files still hold its previous certificate (a renewal was
recorded but its files not placed: a crash, a full disk), renew puts the
recorded certificate's files in place and signs nothing ("finished": true).`,
		Example: `  ca intermediate renew --name issuing
  ca intermediate renew --name issuing --validity 3y`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runIntermediateRenew(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.name, "name", "", "the intermediate to renew (required)")
	f.StringVar(&o.validity, "validity", "", "how long the new certificate is valid (default: as long as the old one)"+durationUnits)
	cmd.MarkFlagRequired("name")
	return cmd
}

func runIntermediateRenew(ctx context.Context, g *globals, o *intermediateRenewOptions) error {
	validity, err := home.DurationFlag("validity", o.validity)
	if err != nil {
		return err
	}
	r, err := g.h().RenewIntermediate(ctx, o.name, validity)
	if err != nil {
		return err
	}
	return g.renderText(r.Report())
}
