package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
	"github.com/ca-toolkit/ca/pkg/tlsendpoint"
)

type serveOptions struct {
	issuer     string
	addr       string
	dns        []string
	ips        []string
	certFile   string
	keyFile    string
	clientAuth string
	tlsMin     string
	readyFile  string
	ocspStaple bool
	validity   string
	keyType    string

	flags *serveFlags // the flags checked, once options ran
}

func newServeCmd(g *globals) *cobra.Command {
	o := &serveOptions{}
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
	f.StringVar(&o.issuer, "issuer", "", "the issuer of the server certificate (default: the home's only intermediate, else the root)")
	f.StringVar(&o.addr, "addr", "127.0.0.1:8443", "address to listen on (port 0: any free port)")
	f.StringSliceVar(&o.dns, "dns", []string{"localhost"}, "DNS name of the server certificate (repeatable)")
	f.StringSliceVar(&o.ips, "ip", []string{"127.0.0.1"}, "IP address of the server certificate (repeatable)")
	f.StringVar(&o.certFile, "cert", "", "serve this certificate (PEM, leaf first; intermediates are added from the home) instead of issuing one")
	f.StringVar(&o.keyFile, "key", "", "the private key of --cert, in `FILE`; an encrypted one opens with the global --key-passphrase-file (the passphrase of a key besides the issuer's), never with the CA's passphrase")
	f.StringVar(&o.clientAuth, "client-auth", "none", "client certificates: none, request or require")
	f.StringVar(&o.tlsMin, "tls-min", "1.2", "lowest TLS version: 1.2 or 1.3")
	f.BoolVar(&o.ocspStaple, "ocsp-staple", false, "staple an OCSP response for the server certificate, from the responder it names (see ca publish), refreshed before it lapses")
	f.StringVar(&o.readyFile, "ready-file", "", "write the URL to this new file once connections are accepted (it must not exist; removed on exit if unchanged)")
	f.StringVar(&o.validity, "validity", "24h", "validity of the self-issued certificate (never past the issuer's end: refused, exit 3)"+durationUnits)
	f.StringVar(&o.keyType, "key-type", "ecdsa-p256", "key type of the self-issued certificate")
	return cmd
}

// serveFlags are serveOptions checked.
type serveFlags struct {
	clientAuth tlsendpoint.ClientAuth
	tlsMin     uint16
	validity   time.Duration
	keyType    pem.KeyType
	ips        []net.IP
}

func (o *serveOptions) check() (*serveFlags, error) {
	var sf serveFlags
	var err error
	if sf.clientAuth, err = tlsendpoint.ParseClientAuth(o.clientAuth); err != nil {
		return nil, usageError{fmt.Errorf("--client-auth %q: use none, request or require", o.clientAuth)}
	}
	if sf.tlsMin, err = tlsendpoint.ParseTLSVersion(o.tlsMin); err != nil {
		return nil, usageError{fmt.Errorf("--tls-min %q: use 1.2 or 1.3", o.tlsMin)}
	}
	if sf.validity, err = parseDuration("validity", o.validity); err != nil {
		return nil, err
	}
	if sf.keyType, err = pem.ParseKeyType(o.keyType); err != nil {
		return nil, err
	}
	for _, s := range o.ips {
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, usageError{fmt.Errorf("--ip %q is not an IP address", s)}
		}
		sf.ips = append(sf.ips, ip)
	}
	if len(o.dns) == 0 && len(sf.ips) == 0 {
		return nil, usageError{errors.New("the server certificate needs a name: give --dns or --ip")}
	}
	if (o.certFile == "") != (o.keyFile == "") {
		return nil, usageError{errors.New("--cert and --key go together")}
	}
	if _, _, err := net.SplitHostPort(o.addr); err != nil {
		return nil, usageError{fmt.Errorf("--addr %q: want HOST:PORT, such as 127.0.0.1:8443", o.addr)}
	}
	return &sf, nil
}

func runServe(ctx context.Context, g *globals, o *serveOptions) error {
	if err := checkReadyFile(o.readyFile); err != nil {
		return err
	}
	so, err := o.options(g)
	if err != nil {
		return err
	}
	// Listen first: a busy port fails before anything is recorded.
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", o.addr, err)
	}
	defer ln.Close()
	setup, err := g.h().PrepareServe(ctx, so)
	if err != nil {
		return err
	}
	errLog := log.New(logLines{g.stderr}, "ca: serve: ", 0)
	if setup.Warning != "" {
		errLog.Print(setup.Warning)
	}
	srv, err := o.server(g, setup, errLog)
	if err != nil {
		return err
	}
	start := o.start(ln.Addr(), setup)
	ready, err := start.announce(g, o.readyFile, errLog, setup.Certificate.Leaf)
	defer ready.remove()
	if err != nil {
		return err
	}
	return srv.Serve(ctx, ln)
}

// server makes the endpoint of setup, with the flags' client auth, TLS
// minimum and, with --ocsp-staple, the stapler.
func (o *serveOptions) server(g *globals, setup *home.ServeSetup, errLog *log.Logger) (*tlsendpoint.Server, error) {
	cfg := tlsendpoint.ServerConfig{
		Certificate: setup.Certificate, Roots: setup.Roots, Intermediates: setup.Intermediates,
		ClientAuth: o.flags.clientAuth, MinVersion: o.flags.tlsMin, Revoked: setup.Revoked,
		CAPEM: setup.CAPEM, CRL: setup.CRL, ErrorLog: errLog, Now: g.now,
	}
	if o.ocspStaple {
		var err error
		if cfg.OCSPStaple, err = home.OCSPStapler(setup.Certificate, setup.Roots, g.now); err != nil {
			return nil, err
		}
	}
	return tlsendpoint.NewServer(cfg)
}

// options checks the flags and reads --cert and --key.
func (o *serveOptions) options(g *globals) (home.ServeOptions, error) {
	sf, err := o.check()
	if err != nil {
		return home.ServeOptions{}, err
	}
	o.flags = sf
	so := home.ServeOptions{Issuer: o.issuer, DNSNames: o.dns, IPs: sf.ips, KeyType: sf.keyType, Validity: sf.validity}
	if o.certFile != "" {
		own, err := g.readTLSKeyPair(o.certFile, o.keyFile)
		if err != nil {
			return so, err
		}
		so.Cert = &own
	}
	return so, nil
}

// start is the line serve prints when it is ready.
func (o *serveOptions) start(addr net.Addr, setup *home.ServeSetup) serveStart {
	leaf := setup.Certificate.Leaf
	return serveStart{
		URL: serveURL(addr, o.addr, leaf), CAFile: setup.CAFile, Serial: ca.FormatSerial(leaf.SerialNumber),
		ClientAuth: o.flags.clientAuth.String(), TLSMin: o.tlsMin, Issuer: setup.Issuer, NotAfter: leaf.NotAfter.UTC(),
	}
}

// nameWarning says how to reach a server whose certificate does not name
// the host of its URL: clients that check names (curl, browsers, probe)
// refuse it. "" when it does.
func nameWarning(leaf *x509.Certificate, serveURL string) string {
	u, err := url.Parse(serveURL)
	if err != nil || leaf.VerifyHostname(u.Hostname()) == nil {
		return ""
	}
	hint := "connect with a name or address it certifies"
	if len(leaf.DNSNames) > 0 {
		hint = fmt.Sprintf("connect with a name it certifies, e.g. curl --resolve %s:%s:%s https://%[1]s:%[2]s/", leaf.DNSNames[0], u.Port(), u.Hostname())
	}
	return fmt.Sprintf("warning: the certificate does not name %s; %s", u.Hostname(), hint)
}

// checkReadyFile refuses, before anything else, a --ready-file that exists
// (exit 5: serve never replaces or removes a file it did not write, and a
// stale one would say "ready" too early) or whose directory is missing (exit
// 4: serve records its certificate before it writes the file).
func checkReadyFile(path string) error {
	if path == "" {
		return nil
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%w: --ready-file %s exists; serve creates it only when absent: remove it or name another", ca.ErrExists, path)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
		return fmt.Errorf("%w: directory %s of --ready-file %s does not exist; create it first", ca.ErrNotFound, filepath.Dir(path), path)
	}
	return nil
}

// readyFile is the --ready-file serve wrote: what it holds and which file
// it is, so that serve removes it at exit only if it is still that file.
type readyFile struct {
	path string
	data []byte
	info os.FileInfo
}

// remove deletes the ready file when it is still the one serve wrote, with
// what serve wrote in it; anything put in its place since stays.
func (r *readyFile) remove() {
	if r == nil {
		return
	}
	fi, err := os.Lstat(r.path)
	if err != nil || !os.SameFile(fi, r.info) {
		return
	}
	f, err := os.Open(r.path)
	if err != nil {
		return
	}
	data, err := pem.ReadAll(f, len(r.data))
	f.Close()
	if err == nil && bytes.Equal(data, r.data) {
		os.Remove(r.path)
	}
}

// serveStart is the line serve prints when it is ready.
type serveStart struct {
	URL        string    `json:"url"`
	CAFile     string    `json:"caFile"`
	Serial     string    `json:"serial"`
	ClientAuth string    `json:"clientAuth"`
	TLSMin     string    `json:"tlsMin"`
	Issuer     string    `json:"issuer"`
	NotAfter   time.Time `json:"notAfter"`
}

// announce warns on errLog when leaf does not name the URL's host, writes
// the URL to the ready file (atomically, never over a file) and prints s as
// one text line or, with -o json, one JSON line.
func (s serveStart) announce(g *globals, path string, errLog *log.Logger, leaf *x509.Certificate) (*readyFile, error) {
	if w := nameWarning(leaf, s.URL); w != "" {
		errLog.Print(w)
	}
	var ready *readyFile
	if path != "" {
		data := []byte(s.URL + "\n")
		if err := place.WriteFiles(place.File{Path: path, Data: data, NoReplace: true}); err != nil {
			return nil, fmt.Errorf("serve: ready file: %w", err)
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return nil, fmt.Errorf("serve: ready file: %w", err)
		}
		ready = &readyFile{path: path, data: data, info: fi}
	}
	if g.json() {
		b, err := json.Marshal(s)
		if err != nil {
			return ready, fmt.Errorf("write JSON: %w", err)
		}
		_, err = fmt.Fprintf(g.stdout, "%s\n", b)
		return ready, err
	}
	_, err := fmt.Fprintf(g.stdout, "serving %s (CA: %s)\n", s.URL, s.CAFile)
	return ready, err
}

// serveURL is the URL to reach ln: its real port, and the host of --addr
// when it names one, else a name the certificate carries.
func serveURL(ln net.Addr, addr string, leaf *x509.Certificate) string {
	host, _, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
		switch {
		case len(leaf.DNSNames) > 0:
			host = leaf.DNSNames[0]
		case len(leaf.IPAddresses) > 0:
			host = leaf.IPAddresses[0].String()
		}
	}
	port := "0"
	if tcp, ok := ln.(*net.TCPAddr); ok {
		port = strconv.Itoa(tcp.Port)
	}
	return "https://" + net.JoinHostPort(host, port) + "/"
}
