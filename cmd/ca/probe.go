package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
)

func newProbeCmd(g *globals) *cobra.Command {
	o := &home.ProbeFlags{}
	cmd := &cobra.Command{
		Use:   "probe URL|HOST:PORT",
		Short: "Check a TLS server: handshake, chain, revocation, resumption",
		Long: `probe connects to a TLS server, verifies its chain and the revocation state of
its certificate, and reports the TLS version, cipher suite, ALPN, resumption
(with --resume, a second handshake), the chain the server sent and the timings.

Roots: --ca FILE, else --issuer NAME of the home (the chain must pass through
it), else the home's roots when there is a home, else the system's roots.
Revocation: the home's store when it recorded the server's certificate, else
--crl (a file, PEM or DER, or an http(s) URL), else the certificate's OCSP
responder, else its CRL distribution point, else "unchecked"; the report
names the source. --cert and --key offer a client
certificate (an encrypted key opens with --key-passphrase-file, else the
--passphrase-file sources).

The outcome is ok (handshake done, chain good, not revoked), revoked (the
server's certificate is), refused (the server refused our client certificate,
or our lack of one) or failed. Exit 0 when the outcome is ok, 6 otherwise; with
--expect OUTCOME, 0 when the outcome is that one, 6 otherwise.

--scan lists what the server accepts instead: each TLS version (1.0 to 1.3),
each cipher suite crypto/tls can offer up to TLS 1.2 (one handshake per suite
and version; of TLS 1.3's suites only the one the server picks, since Go
cannot offer them one by one), each key exchange group, the certificate's key
and signature algorithm and the TLS 1.2 handshake signature. It does not
verify the chain. Exit 0 when the server accepted a handshake, 6 otherwise.`,
		Example: `  ca probe https://127.0.0.1:8443/ --resume
  ca probe 127.0.0.1:8443 --cert app.chain.pem --key app.key --expect ok
  ca probe db.internal:5433 --ca root.pem --crl http://ca.internal/crl --expect revoked -o json
  ca probe --scan 127.0.0.1:8443 -o json`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Address = args[0]
			return runProbe(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.CAFile, "ca", "", "verify the server against the certificates in this file (PEM)")
	f.StringVar(&o.Issuer, "issuer", "", "verify the server against this issuer of the home")
	f.StringVar(&o.CertFile, "cert", "", "client certificate to offer (PEM, leaf first, intermediates after)")
	f.StringVar(&o.KeyFile, "key", "", "the private key of --cert, in `FILE`; an encrypted one opens with the global --key-passphrase-file (the passphrase of a key besides the issuer's), never with the CA's passphrase")
	f.StringVar(&o.ServerName, "servername", "", "name to send (SNI) and verify (default: the host)")
	f.StringVar(&o.TLSMin, "tls-min", "", "lowest TLS version to offer: 1.2 or 1.3 (default 1.2)")
	f.StringVar(&o.TLSMax, "tls-max", "", "highest TLS version to offer: 1.2 or 1.3 (default 1.3)")
	f.StringVar(&o.CRL, "crl", "", "check revocation against this CRL: a file (PEM or DER) or an http(s) URL")
	f.BoolVar(&o.Resume, "resume", false, "make a second handshake that resumes the first session")
	f.StringVar(&o.Expect, "expect", "", "exit 0 only for this outcome: ok, revoked or refused")
	f.StringVar(&o.Timeout, "timeout", "10s", "give up after this long (with --scan: each handshake)"+durationUnits)
	f.BoolVar(&o.Scan, "scan", false, "list what the server accepts: TLS versions, cipher suites, groups (one handshake each)")
	return cmd
}

func runProbe(ctx context.Context, g *globals, o *home.ProbeFlags) error {
	if o.Scan {
		return runProbeScan(ctx, g, o)
	}
	req, err := o.Check()
	if err != nil {
		return err
	}
	rep, err := home.Probe(ctx, g.h, req, g.secrets().OpenKey)
	if err != nil {
		return err
	}
	if err := g.renderText(rep); err != nil {
		return err
	}
	return rep.Unexpected()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
