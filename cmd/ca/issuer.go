package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
)

type issuerURLsOptions struct {
	issuer string
	urls   ca.IssuerURLs
}

func newIssuerCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "issuer",
		Short: "Show or change an issuer's settings",
		Args:  noArgs,
	}
	cmd.AddCommand(newIssuerURLsCmd(g))
	return cmd
}

func newIssuerURLsCmd(g *globals) *cobra.Command {
	o := &issuerURLsOptions{}
	cmd := &cobra.Command{
		Use:   "urls [--crl-url URL] [--crl-shards N] [--delta-crl-url URL] [--ocsp-url URL] [--ca-issuers-url URL]",
		Short: "Show or change where an issuer publishes its CRL, OCSP and certificate",
		Long: `urls shows the issuer's publication URLs, or with flags changes them (recorded
in the store, audited). Every certificate the issuer signs from then on
carries them: the CRL URL as a CRL distribution point, the OCSP URL and the
caIssuers URL in authority information access; its CRLs name the CRL URL in
an issuing distribution point. {issuer} in a URL stands for the issuer's
name. An empty value removes that URL; flags not given stay as they are.
Certificates signed before keep the URLs they were signed with.

--crl-shards N splits the issuer's CRL into N shards: the CRL URL must hold
{shard}, each certificate is given shard serial mod N when it is signed and
names that shard's URL, and "ca crl export --all-shards" writes one CRL per
shard. The count stays for the issuer's life once set (exit 3 on a change).

--delta-crl-url names where the issuer's delta CRLs ("ca crl export --delta")
are published: its complete CRLs carry it in a freshest CRL extension, so
that relying parties (openssl verify -use_deltas) look for the delta.
See docs/publication.md and docs/revocation.md.`,
		Example: `  ca issuer urls --issuer issuing --crl-url 'http://pki.example.com/crl/{issuer}.crl' \
      --ocsp-url http://pki.example.com/ocsp --ca-issuers-url 'http://pki.example.com/ca/{issuer}.crt'
  ca issuer urls --issuer issuing --crl-url 'http://pki.example.com/crl/{issuer}-{shard}.crl' --crl-shards 16
  ca issuer urls --issuer issuing`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runIssuerURLs(cmd.Context(), g, o.issuer, home.URLsChangeFrom(&o.urls, cmd.Flags().Changed))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.issuer, "issuer", "", "the issuer (default: the only intermediate, else the root)")
	f.StringVar(&o.urls.CRL, "crl-url", "", "URL of its CRL (\"\": none)")
	f.IntVar(&o.urls.CRLShards, "crl-shards", 0, "split its CRL into this many shards; the CRL URL holds {shard} (0: none)")
	f.StringVar(&o.urls.DeltaCRL, "delta-crl-url", "", "URL of its delta CRL, named in its complete CRLs (\"\": none)")
	f.StringVar(&o.urls.OCSP, "ocsp-url", "", "URL of its OCSP responder (\"\": none)")
	f.StringVar(&o.urls.CAIssuers, "ca-issuers-url", "", "URL of its certificate, DER (\"\": none)")
	return cmd
}

func runIssuerURLs(ctx context.Context, g *globals, issuer string, ch home.URLsChange) error {
	r, err := g.h().ReportIssuerURLs(ctx, issuer, ch)
	if err != nil {
		return err
	}
	return g.renderText(r)
}
