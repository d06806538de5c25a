package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/tlsendpoint"
)

type probeOptions struct {
	caFile     string
	issuer     string
	certFile   string
	keyFile    string
	serverName string
	tlsMin     string
	tlsMax     string
	crl        string
	resume     bool
	expect     string
	timeout    string
	scan       bool
}

func newProbeCmd(g *globals) *cobra.Command {
	o := &probeOptions{}
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
		RunE: func(cmd *cobra.Command, args []string) error { return runProbe(cmd.Context(), g, o, args[0]) },
	}
	f := cmd.Flags()
	f.StringVar(&o.caFile, "ca", "", "verify the server against the certificates in this file (PEM)")
	f.StringVar(&o.issuer, "issuer", "", "verify the server against this issuer of the home")
	f.StringVar(&o.certFile, "cert", "", "client certificate to offer (PEM, leaf first, intermediates after)")
	f.StringVar(&o.keyFile, "key", "", "the private key of --cert, in `FILE`; an encrypted one opens with the global --key-passphrase-file (the passphrase of a key besides the issuer's), never with the CA's passphrase")
	f.StringVar(&o.serverName, "servername", "", "name to send (SNI) and verify (default: the host)")
	f.StringVar(&o.tlsMin, "tls-min", "", "lowest TLS version to offer: 1.2 or 1.3 (default 1.2)")
	f.StringVar(&o.tlsMax, "tls-max", "", "highest TLS version to offer: 1.2 or 1.3 (default 1.3)")
	f.StringVar(&o.crl, "crl", "", "check revocation against this CRL: a file (PEM or DER) or an http(s) URL")
	f.BoolVar(&o.resume, "resume", false, "make a second handshake that resumes the first session")
	f.StringVar(&o.expect, "expect", "", "exit 0 only for this outcome: ok, revoked or refused")
	f.StringVar(&o.timeout, "timeout", "10s", "give up after this long (with --scan: each handshake)"+durationUnits)
	f.BoolVar(&o.scan, "scan", false, "list what the server accepts: TLS versions, cipher suites, groups (one handshake each)")
	return cmd
}

// check turns the flags into a ProbeConfig (Address and roots aside).
func (o *probeOptions) check() (tlsendpoint.ProbeConfig, error) {
	var cfg tlsendpoint.ProbeConfig
	switch o.expect {
	case "", string(tlsendpoint.OutcomeOK), string(tlsendpoint.OutcomeRevoked), string(tlsendpoint.OutcomeRefused):
	default:
		return cfg, usageError{fmt.Errorf("--expect %q: use ok, revoked or refused", o.expect)}
	}
	for _, v := range []struct {
		flag, value string
		dst         *uint16
	}{{"tls-min", o.tlsMin, &cfg.MinVersion}, {"tls-max", o.tlsMax, &cfg.MaxVersion}} {
		if v.value == "" {
			continue
		}
		ver, err := tlsendpoint.ParseTLSVersion(v.value)
		if err != nil {
			return cfg, usageError{fmt.Errorf("--%s %q: use 1.2 or 1.3", v.flag, v.value)}
		}
		*v.dst = ver
	}
	if cfg.MinVersion != 0 && cfg.MaxVersion != 0 && cfg.MinVersion > cfg.MaxVersion {
		return cfg, usageError{fmt.Errorf("--tls-min %s is above --tls-max %s", o.tlsMin, o.tlsMax)}
	}
	timeout, err := parseDuration("timeout", o.timeout)
	if err != nil {
		return cfg, err
	}
	if timeout <= 0 {
		return cfg, usageError{fmt.Errorf("--timeout %q: give a positive duration, such as 10s", o.timeout)}
	}
	if (o.certFile == "") != (o.keyFile == "") {
		return cfg, usageError{errors.New("--cert and --key go together")}
	}
	if o.caFile != "" && o.issuer != "" {
		return cfg, usageError{errors.New("--ca and --issuer exclude each other: give one")}
	}
	cfg.Timeout, cfg.ServerName, cfg.Resume = timeout, o.serverName, o.resume
	return cfg, nil
}

func runProbe(ctx context.Context, g *globals, o *probeOptions, addr string) error {
	if o.scan {
		return runProbeScan(ctx, g, o, addr)
	}
	cfg, err := o.check()
	if err != nil {
		return err
	}
	cfg.Address, cfg.Now = addr, g.now
	if cfg.RootCAs, err = g.probeRoots(ctx, o); err != nil {
		return err
	}
	if o.certFile != "" {
		kp, err := g.readTLSKeyPair(o.certFile, o.keyFile)
		if err != nil {
			return err
		}
		cfg.Certificates = []tls.Certificate{kp}
	}
	rc, err := g.probeRevocation(o.crl)
	if err != nil {
		return err
	}
	rc.Roots = cfg.RootCAs
	cfg.CheckRevocation = rc.Check
	res, err := tlsendpoint.Probe(ctx, cfg)
	if err != nil {
		return usageError{err}
	}
	if err := g.render(probeReport{Result: res, source: rc.Source, resume: o.resume}); err != nil {
		return err
	}
	return probeExit(res, tlsendpoint.Outcome(o.expect))
}

// probeExit is the probe's exit: 0 when the outcome is the expected one
// (ok by default), else 6 saying what happened.
func probeExit(res *tlsendpoint.Result, expect tlsendpoint.Outcome) error {
	got := res.Outcome()
	detail := res.Error
	if detail == "" && res.VerifyError != "" {
		detail = "chain: " + res.VerifyError
	}
	if detail != "" {
		detail = " (" + detail + ")"
	}
	switch {
	case expect == "" && got == tlsendpoint.OutcomeOK, got == expect:
		return nil
	case expect == "":
		return &exitError{code: exitVerify, msg: fmt.Sprintf("probe %s: %s%s", res.Address, got, detail)}
	}
	return &exitError{code: exitVerify, msg: fmt.Sprintf("expected %s, got %s%s", expect, got, detail)}
}

// probeRoots returns the roots to verify the server with: --ca, else
// the home's (home.ProbeRoots).
func (g *globals) probeRoots(ctx context.Context, o *probeOptions) (*x509.CertPool, error) {
	if o.caFile == "" {
		return g.h().ProbeRoots(ctx, o.issuer)
	}
	certs, err := readCertChainFile(o.caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// probeRevocation is the home's revocation check with --crl: a URL, or a
// file read here.
func (g *globals) probeRevocation(crl string) (*home.ProbeRevocation, error) {
	rc := g.h().NewProbeRevocation()
	rc.CRLName = crl
	switch {
	case strings.HasPrefix(crl, "http://"), strings.HasPrefix(crl, "https://"):
		rc.CRLURL = crl
	case crl != "":
		f, err := os.Open(crl)
		if err != nil {
			return nil, fmt.Errorf("read CRL: %w", err)
		}
		data, err := pem.ReadAll(f, pem.MaxCRLSize)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("--crl %s: %w", crl, err)
		}
		if rc.CRL, _, err = pem.Decode(data, pem.MaxCRLSize, pem.TypeCRL); err != nil {
			return nil, fmt.Errorf("--crl %s: %w", crl, err)
		}
	}
	return rc, nil
}

// probeReport is what probe prints: the library's Result (its JSON as is)
// and, in text, where the revocation state came from.
type probeReport struct {
	*tlsendpoint.Result
	source string
	resume bool
}

func (r probeReport) MarshalJSON() ([]byte, error) { return r.Result.MarshalJSON() }

func (r probeReport) text(w io.Writer) {
	fmt.Fprintf(w, "probe %s (server name %s): %s\n", r.Address, r.ServerName, r.Outcome())
	if r.TLSVersion != "" {
		alpn := r.ALPN
		if alpn == "" {
			alpn = "none"
		}
		fmt.Fprintf(w, "  tls         %s, %s, ALPN %s\n", r.TLSVersion, r.CipherSuite, alpn)
	}
	if r.resume {
		fmt.Fprintf(w, "  resumed     %s\n", yesNo(r.Resumed))
	}
	chain := "verified"
	if !r.Verified {
		chain = "NOT verified"
		if r.VerifyError != "" {
			chain += ": " + r.VerifyError
		}
	}
	if len(r.PeerChain) > 0 {
		fmt.Fprintf(w, "  chain       %s\n", printable(chain))
	}
	for i, c := range r.PeerChain {
		fmt.Fprintf(w, "    %d %s\n      issuer %s, serial %s, notAfter %s\n", i, printable(c.Subject), printable(c.Issuer), c.Serial, c.NotAfter.Format(time.RFC3339))
	}
	fmt.Fprintf(w, "  revocation  %s", r.Revocation)
	if r.source != "none" {
		fmt.Fprintf(w, " (%s)", r.source)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  handshake   %.1f ms", float64(r.HandshakeTime)/float64(time.Millisecond))
	if r.ResumeTime > 0 {
		fmt.Fprintf(w, ", resumed handshake %.1f ms", float64(r.ResumeTime)/float64(time.Millisecond))
	}
	fmt.Fprintln(w)
	if r.ClientCertRefused {
		fmt.Fprintln(w, "  client      the server refused our client certificate")
	}
	if r.Error != "" {
		fmt.Fprintf(w, "  error       %s\n", printable(r.Error))
	}
	fmt.Fprintf(w, "  outcome     %s\n", r.Outcome())
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
