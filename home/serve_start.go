package home

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/tlsendpoint"
)

// ServeStart is what "ca serve" says once it accepts connections (SPEC.md
// fixes the JSON names).
type ServeStart struct {
	URL        string    `json:"url"`
	CAFile     string    `json:"caFile"`
	Serial     string    `json:"serial"`
	ClientAuth string    `json:"clientAuth"`
	TLSMin     string    `json:"tlsMin"`
	Issuer     string    `json:"issuer"`
	NotAfter   time.Time `json:"notAfter"`
}

// WriteText writes s as serve's text line.
func (s ServeStart) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "serving %s (CA: %s)\n", s.URL, s.CAFile)
	return err
}

// StartServe starts the TLS test endpoint of "ca serve": it listens on
// c.Addr (a busy port fails before the home is asked for and anything is
// recorded), prepares the home (PrepareServe), makes the server (with an
// OCSP stapler for c.OCSPStaple), warns on errLog when the certificate
// does not name the URL's host, and writes the URL to c.ReadyFile. home
// gives the home once the port is bound. The caller prints the start,
// then calls Serve and Close.
func StartServe(ctx context.Context, home func() *Home, c *EndpointConfig, errLog *log.Logger) (*Listening, *ServeStart, error) {
	return listenThen("serve", c.Addr, func(l *Listening) (*ServeStart, error) { return home().startServe(ctx, c, errLog, l) })
}

// startServe is StartServe once l listens.
func (h *Home) startServe(ctx context.Context, c *EndpointConfig, errLog *log.Logger, l *Listening) (*ServeStart, error) {
	setup, err := h.PrepareServe(ctx, c.ServeOptions)
	if err != nil {
		return nil, err
	}
	if setup.Warning != "" {
		errLog.Print(setup.Warning)
	}
	srv, err := h.endpoint(c, setup, errLog)
	if err != nil {
		return nil, err
	}
	l.serve = srv.Serve
	leaf := setup.Certificate.Leaf
	start := &ServeStart{
		URL: serveURL(l.Addr(), c.Addr, leaf), CAFile: setup.CAFile, Serial: ca.FormatSerial(leaf.SerialNumber),
		ClientAuth: c.ClientAuth.String(), TLSMin: strings.TrimPrefix(tls.VersionName(c.TLSMin), "TLS "), Issuer: setup.Issuer, NotAfter: leaf.NotAfter.UTC(),
	}
	if w := nameWarning(leaf, start.URL); w != "" {
		errLog.Print(w)
	}
	return start, l.writeReady("serve", c.ReadyFile, start.URL)
}

// endpoint makes the server of setup, with c's client auth, TLS minimum
// and, with c.OCSPStaple, the stapler.
func (h *Home) endpoint(c *EndpointConfig, setup *ServeSetup, errLog *log.Logger) (*tlsendpoint.Server, error) {
	cfg := tlsendpoint.ServerConfig{
		Certificate: setup.Certificate, Roots: setup.Roots, Intermediates: setup.Intermediates,
		ClientAuth: c.ClientAuth, MinVersion: c.TLSMin, Revoked: setup.Revoked,
		CAPEM: setup.CAPEM, CRL: setup.CRL, ErrorLog: errLog, Now: h.cfg.Now,
	}
	if c.OCSPStaple {
		var err error
		if cfg.OCSPStaple, err = OCSPStapler(setup.Certificate, setup.Roots, h.cfg.Now); err != nil {
			return nil, err
		}
	}
	return tlsendpoint.NewServer(cfg)
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

// serveURL is the URL to reach ln: its real port, and the host of addr
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
