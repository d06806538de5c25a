package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
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
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/tlsendpoint"
	"github.com/ca-toolkit/ca/store"
)

// serveLockTimeout bounds how long serve waits for the store when it
// refreshes its revocation set or reads the CRL: a writer holding the store
// longer only delays the refresh (the previous set stays in force).
const serveLockTimeout = 500 * time.Millisecond

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
	validity   string
	keyType    string
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
effect a second later, and every other command works while it runs.

Pages: / (the connection, as HTML), /handshake.json (the same as JSON),
/ca.pem (the root), /crl (the issuer's latest CRL, DER; one is exported at
start when there is none). It prints its URL and CA file ("-o json": one JSON
line), writes the URL to --ready-file once it accepts connections, logs failed
handshakes to stderr and stops with exit 0 on SIGINT or SIGTERM.`,
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
	f.StringVar(&o.keyFile, "key", "", "the private key of --cert (an encrypted one opens with --key-passphrase-file)")
	f.StringVar(&o.clientAuth, "client-auth", "none", "client certificates: none, request or require")
	f.StringVar(&o.tlsMin, "tls-min", "1.2", "lowest TLS version: 1.2 or 1.3")
	f.StringVar(&o.readyFile, "ready-file", "", "write the URL to this new file once connections are accepted (it must not exist; removed on exit if unchanged)")
	f.StringVar(&o.validity, "validity", "24h", "validity of the self-issued certificate (never past the issuer's end: refused, exit 3)")
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
	sf, err := o.check()
	if err != nil {
		return err
	}
	// Listen first: a busy port fails before anything is recorded.
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", o.addr, err)
	}
	defer ln.Close()
	setup, err := g.prepareServe(ctx, o, sf)
	if err != nil {
		return err
	}
	errLog := log.New(g.stderr, "ca: serve: ", 0)
	if setup.warning != "" {
		errLog.Print(setup.warning)
	}
	leaf := setup.cert.Leaf
	srv, err := tlsendpoint.NewServer(tlsendpoint.ServerConfig{
		Certificate: setup.cert, Roots: setup.roots, Intermediates: setup.inters,
		ClientAuth: sf.clientAuth, MinVersion: sf.tlsMin, Revoked: g.revokedSerials,
		CAPEM: setup.caPEM, CRL: setup.crl, ErrorLog: errLog, Now: g.now,
	})
	if err != nil {
		return err
	}
	start := serveStart{
		URL: serveURL(ln.Addr(), o.addr, leaf), CAFile: setup.caFile, Serial: ca.FormatSerial(leaf.SerialNumber),
		ClientAuth: sf.clientAuth.String(), TLSMin: o.tlsMin, Issuer: setup.issuer, NotAfter: leaf.NotAfter.UTC(),
	}
	// A --cert that does not name the host of the URL: clients that check
	// names (curl, browsers, probe) refuse it; say how to reach it.
	if u, err := url.Parse(start.URL); err == nil && leaf.VerifyHostname(u.Hostname()) != nil {
		hint := "connect with a name or address it certifies"
		if len(leaf.DNSNames) > 0 {
			hint = fmt.Sprintf("connect with a name it certifies, e.g. curl --resolve %s:%s:%s https://%[1]s:%[2]s/", leaf.DNSNames[0], u.Port(), u.Hostname())
		}
		fmt.Fprintf(g.stderr, "ca: serve: warning: the certificate does not name %s; %s\n", u.Hostname(), hint)
	}
	ready, err := start.announce(g, o.readyFile)
	defer ready.remove()
	if err != nil {
		return err
	}
	return srv.Serve(ctx, ln)
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

// announce writes the URL to the ready file (atomically, never over a
// file) and prints s as one text line or, with -o json, one JSON line.
func (s serveStart) announce(g *globals, path string) (*readyFile, error) {
	var ready *readyFile
	if path != "" {
		data := []byte(s.URL + "\n")
		if err := pem.WriteFiles(pem.File{Path: path, Data: data, NoReplace: true}); err != nil {
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

// serveSetup is everything serve takes from the home at start; the store
// is closed once it is made.
type serveSetup struct {
	cert          tls.Certificate // leaf and intermediates, with the key
	roots, inters *x509.CertPool
	issuer        string // whose CRL /crl serves
	caFile        string
	caPEM         []byte
	crl           func(ctx context.Context) ([]byte, error) // nil: /crl is 404
	warning       string
}

// prepareServe reads the home, then (when it must issue the server
// certificate or export a first CRL) opens the store for writing; the store
// is closed again before it returns.
func (g *globals) prepareServe(ctx context.Context, o *serveOptions, sf *serveFlags) (*serveSetup, error) {
	var own tls.Certificate
	if o.certFile != "" {
		var err error
		if own, err = g.readTLSKeyPair(o.certFile, o.keyFile); err != nil {
			return nil, err
		}
	}
	st, err := g.h().OpenStoreRead()
	if err != nil {
		return nil, err
	}
	set, err := ca.LoadHierarchy(ctx, st)
	var rec *ca.IssuerRecord
	if err == nil {
		rec, err = serveIssuer(set, o.issuer, own.Leaf)
	}
	hasCRL := false
	if err == nil {
		_, crlErr := st.LastCRL(ctx, rec.Name)
		hasCRL = crlErr == nil
	}
	st.Close()
	if err != nil {
		return nil, err
	}
	s := &serveSetup{issuer: rec.Name}
	s.roots, s.inters = set.Pools()
	root := set.RootOf(rec.Name)
	if root == nil {
		return nil, fmt.Errorf("serve: issuer %s has no root in the store; run \"ca store check\"", rec.Name)
	}
	s.caFile = filepath.Join(g.h().IssuerDir(root.Name), home.FileCert)
	s.caPEM = pem.Encode(pem.TypeCertificate, set.Certificate(root.Name).Raw)

	if o.certFile == "" || !hasCRL {
		if err := g.issueForServe(ctx, o, sf, s, hasCRL); err != nil {
			return nil, err
		}
		hasCRL = s.warning == ""
	}
	if o.certFile != "" {
		s.cert = completeChain(own, s.roots, s.inters)
	}
	if hasCRL {
		s.crl = g.latestCRL(rec.Name)
	}
	return s, nil
}

// serveIssuer is the issuer of the served certificate: --issuer, else the
// home's issuer that signed --cert, else the default issuer.
func serveIssuer(set *ca.Hierarchy, name string, leaf *x509.Certificate) (*ca.IssuerRecord, error) {
	if name == "" && leaf != nil {
		if r := set.SignerOf(leaf); r != nil {
			return r, nil
		}
	}
	return set.Resolve(name)
}

// issueForServe opens the store for writing and, without --cert, issues
// and records the server certificate; it exports the issuer's first CRL
// when there is none. With --cert, an issuer key that cannot be opened is
// no error: /crl is then 404 and s.warning says why.
func (g *globals) issueForServe(ctx context.Context, o *serveOptions, sf *serveFlags, s *serveSetup, hasCRL bool) error {
	li, err := g.h().LoadIssuer(ctx, s.issuer)
	if err != nil && o.certFile != "" && !errors.Is(err, store.ErrLocked) {
		s.warning = fmt.Sprintf("issuer %s has no exported CRL and its key could not be opened (%s); /crl answers 404 (run \"ca crl export --issuer %s\" and start serve again)", s.issuer, message(err), s.issuer)
		return nil
	}
	if err != nil {
		return err
	}
	defer li.Close()
	if o.certFile == "" {
		if err := li.CheckNotRevoked(ctx); err != nil {
			return err
		}
		if s.cert, err = issueServeCert(ctx, li, o, sf); err != nil {
			return err
		}
	}
	if !hasCRL {
		if _, err := li.CreateCRL(ctx, ca.CRLOptions{}); err != nil {
			return fmt.Errorf("serve: export the first CRL of issuer %s: %w", s.issuer, err)
		}
	}
	return nil
}

// issueServeCert issues and records serve's own server certificate with a
// new key that never leaves memory.
func issueServeCert(ctx context.Context, li *home.Issuer, o *serveOptions, sf *serveFlags) (tls.Certificate, error) {
	validity := sf.validity // past the issuer's end it is refused (exit 3), as for every certificate
	key, err := pem.GenerateKey(sf.keyType)
	if err != nil {
		return tls.Certificate{}, err
	}
	cn := ""
	if len(o.dns) > 0 {
		cn = o.dns[0]
	} else {
		cn = sf.ips[0].String()
	}
	subject := li.Policy.FillMatch(pkix.Name{CommonName: cn}, li.Certificate().Subject)
	req := csr.Request{Subject: subject.ToRDNSequence(), DNSNames: o.dns, IPAddresses: sf.ips, PublicKey: key.Public()}
	issued, err := li.SignRequest(ctx, req, ca.SignOptions{Profile: ca.ProfileServer, Validity: validity})
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("serve: issue the server certificate: %w", err)
	}
	out := tls.Certificate{PrivateKey: key, Leaf: issued.Cert, Certificate: [][]byte{issued.Cert.Raw}}
	for _, c := range li.Intermediates() { // the root is not sent
		out.Certificate = append(out.Certificate, c.Raw)
	}
	return out, nil
}

// completeChain adds the home's intermediates to a --cert that holds only
// its leaf, so that clients trusting only the root can verify it.
func completeChain(c tls.Certificate, roots, inters *x509.CertPool) tls.Certificate {
	if len(c.Certificate) > 1 {
		return c
	}
	chains, err := c.Leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil || len(chains[0]) < 3 {
		return c
	}
	for _, ic := range chains[0][1 : len(chains[0])-1] {
		c.Certificate = append(c.Certificate, ic.Raw)
	}
	return c
}

// openStoreShort opens the store read-only for a refresh while serving.
func (g *globals) openStoreShort() (*store.Bolt, error) {
	return store.Open(g.h().StorePath(), store.Options{Timeout: min(g.lockTimeout, serveLockTimeout), ReadOnly: true})
}

// revokedSerials is serve's RevocationSource: it opens the store, reads
// every revocation of every issuer and closes it again, so that serve holds
// no lock between refreshes.
func (g *globals) revokedSerials(ctx context.Context) (map[string]bool, error) {
	st, err := g.openStoreShort()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return ca.RevokedSerials(ctx, st)
}

// latestCRL returns /crl's source: the issuer's latest exported CRL, read
// from the store on each request.
func (g *globals) latestCRL(issuer string) func(ctx context.Context) ([]byte, error) {
	return func(ctx context.Context) ([]byte, error) {
		st, err := g.openStoreShort()
		if err != nil {
			return nil, err
		}
		defer st.Close()
		rec, err := st.LastCRL(ctx, issuer)
		if err != nil {
			return nil, err
		}
		return rec.DER, nil
	}
}
