package main

import (
	"context"
	"log"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
)

func newPublishCmd(g *globals) *cobra.Command {
	o := &home.PublishFlags{}
	cmd := &cobra.Command{
		Use:   "publish [--addr 127.0.0.1:8080] [--crl-refresh D]",
		Short: "Serve CRLs, CA certificates and OCSP over plain HTTP for relying parties",
		Long: `publish serves, over plain HTTP as relying parties fetch them, for every
issuer of the home:
  GET /crl/NAME.crl   the issuer's latest CRL (DER)
  GET /ca/NAME.crt    the issuer's certificate (DER)
  /ocsp               an OCSP responder (RFC 6960; RFC 5019 GET /ocsp/BASE64 and POST)
OCSP answers good, revoked (time, reason) or unknown, signed by the issuer
(or, with --ocsp-signer delegated, by a one-day responder certificate with
OCSPSigning and ocsp-nocheck that publish issues, records and renews), the
request's nonce echoed; they are read from the store, which publish
rereads within a second of any change and never holds between requests.
With --crl-refresh D it signs a fresh CRL when the latest is older than D or
a revocation came since. Point the URLs of "ca issuer urls" at it; put it
behind a reverse proxy to serve it to the world. See docs/publication.md.`,
		Example: `  ca publish --addr 127.0.0.1:8080 --crl-refresh 1h
  ca issuer urls --crl-url 'http://pki.example.com/crl/{issuer}.crl' --ocsp-url http://pki.example.com/ocsp`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPublish(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.Addr, "addr", "127.0.0.1:8080", "HOST:PORT to listen on (port 0: any free one)")
	f.StringVar(&o.CRLRefresh, "crl-refresh", "", "sign a fresh CRL when the latest is older than this or a revocation came since (e.g. 1h; default: never)"+durationUnits)
	f.StringVar(&o.OCSPSigner, "ocsp-signer", "issuer", "who signs OCSP answers: issuer (its own key) or delegated (a responder certificate publish issues, records and renews daily)")
	f.StringVar(&o.ReadyFile, "ready-file", "", "write the URL to this new file once connections are accepted (it must not exist; removed on exit if unchanged)")
	return cmd
}

func runPublish(ctx context.Context, g *globals, o *home.PublishFlags) error {
	cfg, err := o.Check()
	if err != nil {
		return err
	}
	srv, start, err := home.StartPublish(ctx, g.h, cfg, log.New(logLines{g.stderr}, "ca: publish: ", 0))
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := g.announce(start); err != nil {
		return err
	}
	return srv.Serve(ctx)
}
