package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
)

func newServeCmd(g *globals) *cobra.Command {
	o := &home.ServeFlags{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run a TLS test endpoint that presents the home's chain and checks client certificates",
		Long: `serve runs an HTTPS endpoint for testing the home's certificates: it presents a
server certificate and its intermediates, asks for client certificates with
--client-auth request|require, and refuses client certificates that do not
chain to the home's root or are revoked.

Without --cert it issues itself a short-lived "server" certificate from the
issuer (a fresh key in memory; SANs from --dns and --ip; recorded in the store
like any other). It loads what it needs at start and closes the store: it
re-reads the revocations every second, so "ca revoke" in another shell takes
effect a second later, also on open connections (a revoked client's kept-alive
connections are closed), and every other command works while it runs.

Pages: / (the connection, as HTML), /handshake.json (the same as JSON),
/ca.pem (the root), /crl (the issuer's latest CRL, DER; one is exported at
start when there is none). It prints its URL and CA file ("-o json": one JSON
line), writes the URL to --ready-file once it accepts connections, logs failed
handshakes to stderr and stops with exit 0 on SIGHUP, SIGINT or SIGTERM.`,
		Example: `  ca serve --client-auth require --ready-file ready
  curl --cacert pki/issuers/root/cert.pem --cert app.chain.pem --key app.key https://127.0.0.1:8443/handshake.json
  ca serve --addr 127.0.0.1:0 --tls-min 1.3 -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Issuer, "issuer", "", "the issuer of the server certificate (default: the home's only intermediate, else the root)")
	f.StringVar(&o.Addr, "addr", "127.0.0.1:8443", "address to listen on (port 0: any free port)")
	f.StringSliceVar(&o.DNS, "dns", []string{"localhost"}, "DNS name of the server certificate (repeatable)")
	f.StringSliceVar(&o.IPs, "ip", []string{"127.0.0.1"}, "IP address of the server certificate (repeatable)")
	f.StringVar(&o.CertFile, "cert", "", "serve this certificate (PEM, leaf first; intermediates are added from the home) instead of issuing one")
	f.StringVar(&o.KeyFile, "key", "", "the private key of --cert, in `FILE`; an encrypted one opens with the global --key-passphrase-file (the passphrase of a key besides the issuer's), never with the CA's passphrase")
	f.StringVar(&o.ClientAuth, "client-auth", "none", "client certificates: none, request or require")
	f.StringVar(&o.TLSMin, "tls-min", "1.2", "lowest TLS version: 1.2 or 1.3")
	f.BoolVar(&o.OCSPStaple, "ocsp-staple", false, "staple an OCSP response for the server certificate, from the responder it names (see ca publish), refreshed before it lapses")
	f.StringVar(&o.ReadyFile, "ready-file", "", "write the URL to this new file once connections are accepted (it must not exist; removed on exit if unchanged)")
	f.StringVar(&o.Validity, "validity", "24h", "validity of the self-issued certificate (never past the issuer's end: refused, exit 3)"+durationUnits)
	f.StringVar(&o.KeyType, "key-type", "ecdsa-p256", "key type of the self-issued certificate")
	return cmd
}

func runServe(ctx context.Context, g *globals, o *home.ServeFlags) error {
	cfg, err := o.Check(g.secrets().OpenKey)
	if err != nil {
		return err
	}
	srv, start, err := home.StartServe(ctx, g.h, cfg, log.New(logLines{g.stderr}, "ca: serve: ", 0))
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := g.announce(start); err != nil {
		return err
	}
	return srv.Serve(ctx)
}

// announce prints what serve or publish says once it accepts connections:
// its text line or, with -o json, one JSON line.
func (g *globals) announce(start home.TextReport) error {
	if g.json() {
		b, err := json.Marshal(start)
		if err != nil {
			return fmt.Errorf("write JSON: %w", err)
		}
		_, err = fmt.Fprintf(g.stdout, "%s\n", b)
		return err
	}
	return start.WriteText(g.stdout)
}
