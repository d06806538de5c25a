package tlsendpoint

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// ClientAuth is the Server's policy for client certificates.
type ClientAuth int

// The client authentication policies of a Server.
const (
	// ClientAuthNone asks for no client certificate (the default).
	ClientAuthNone ClientAuth = iota
	// ClientAuthRequest asks for a client certificate; a client without one
	// is served, a client with one that fails verification is refused.
	ClientAuthRequest
	// ClientAuthRequire refuses clients without a valid, unrevoked
	// certificate.
	ClientAuthRequire
)

// String returns the policy's name as ParseClientAuth takes it: "none",
// "request" or "require".
func (a ClientAuth) String() string {
	switch a {
	case ClientAuthNone:
		return "none"
	case ClientAuthRequest:
		return "request"
	case ClientAuthRequire:
		return "require"
	}
	return fmt.Sprintf("ClientAuth(%d)", int(a))
}

// ParseClientAuth parses "none", "request" or "require" (the values of
// "ca serve --client-auth"). Any other string is an error.
func ParseClientAuth(s string) (ClientAuth, error) {
	switch s {
	case "none":
		return ClientAuthNone, nil
	case "request":
		return ClientAuthRequest, nil
	case "require":
		return ClientAuthRequire, nil
	}
	return 0, fmt.Errorf("tlsendpoint: client auth %q is not one of none, request, require", s)
}

// ParseTLSVersion parses "1.2" or "1.3" into tls.VersionTLS12 or
// tls.VersionTLS13. Older versions are not supported and are an error.
func ParseTLSVersion(s string) (uint16, error) {
	switch s {
	case "1.2":
		return tls.VersionTLS12, nil
	case "1.3":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("tlsendpoint: TLS version %q is not supported (use 1.2 or 1.3)", s)
}

// RevocationSource returns the serials revoked in the home, keyed by the
// lower-case hex of serial.Bytes() (hex.EncodeToString(serial.Bytes())).
// The Server calls it at most once at a time, from a background goroutine,
// with a context that is cancelled after 10 seconds or when Serve ends. The
// Server only reads the returned map and keeps it until the next call, so
// the source must return a map that it does not change afterwards.
type RevocationSource func(ctx context.Context) (map[string]bool, error)

// Errors a Server's handshakes fail with; the http.Server passes them to
// ServerConfig.ErrorLog, and a test driving TLSConfig sees them from
// tls.Conn.Handshake.
var (
	// ErrRevoked: the client certificate, or an intermediate of its chain,
	// is in the revocation set. On the wire the client receives a
	// bad_certificate alert: crypto/tls sends that alert for every error
	// returned by VerifyConnection.
	ErrRevoked = errors.New("tlsendpoint: certificate is revoked")
	// ErrRevocationUnavailable: no revocation set was ever loaded (the
	// RevocationSource has failed so far), so no client certificate is
	// accepted.
	ErrRevocationUnavailable = errors.New("tlsendpoint: the revocation set has not been loaded yet; client certificates are refused until it is")
)

// errNoClientCertificate: ClientAuthRequire and no client certificate.
// crypto/tls refuses such a client before VerifyConnection, and resumes no
// session without one; the check stays in case that changes.
var errNoClientCertificate = errors.New("tlsendpoint: the client sent no certificate (client auth is required)")

const (
	// defaultRefreshInterval is ServerConfig.RefreshInterval's default.
	defaultRefreshInterval = time.Second
	// refreshTimeout bounds one call of the RevocationSource.
	refreshTimeout = 10 * time.Second
	// firstLoadWait is how long a handshake waits for the first revocation
	// set before refusing the client certificate.
	firstLoadWait = time.Second
	// shutdownTimeout is how long Serve waits for open connections to
	// finish once its context is done, before closing them.
	shutdownTimeout = 5 * time.Second
)

// ServerConfig configures a Server. Certificate is always required; Roots
// and Revoked are required when ClientAuth is not ClientAuthNone.
type ServerConfig struct {
	// Certificate is the server's chain, leaf first then its
	// intermediates, and the leaf's private key. Leaf may be set; when it
	// is nil the leaf is parsed from Certificate[0].
	Certificate tls.Certificate
	// Roots are the home's roots: client certificates must chain to one.
	Roots *x509.CertPool
	// Intermediates are the home's intermediates, used to complete the
	// chain of a client that sends only its leaf. Nil means none.
	Intermediates *x509.CertPool
	// ClientAuth is the client certificate policy; default ClientAuthNone.
	ClientAuth ClientAuth
	// MinVersion is the lowest TLS version accepted: tls.VersionTLS12
	// (the default) or tls.VersionTLS13.
	MinVersion uint16
	// Revoked returns the home's revoked serials. Required when
	// ClientAuth is not ClientAuthNone.
	Revoked RevocationSource
	// RefreshInterval is how often the revocation set is re-read; default
	// 1s. Serve refreshes it in the background; a handshake never waits
	// for a refresh, except for the very first load (at most 1s). On a
	// refresh error the previous set is kept and the refresh is retried a
	// RefreshInterval later; until a first set is loaded, client
	// certificates are refused (ErrRevocationUnavailable).
	RefreshInterval time.Duration
	// CAPEM is served at /ca.pem; nil means /ca.pem is 404.
	CAPEM []byte
	// CRL returns the DER of the issuer's latest CRL, served at /crl as
	// application/pkix-crl. Nil means /crl is 404.
	CRL func(ctx context.Context) ([]byte, error)
	// OCSPStaple, when set, fetches an OCSP response for the server's
	// certificate: Serve staples it (RFC 6066, status_request) and fetches
	// a new one halfway to its nextUpdate. Nil means no stapling.
	OCSPStaple func(ctx context.Context) (Staple, error)
	// Now is the clock for certificate validity; nil means time.Now.
	Now func() time.Time
	// ErrorLog receives failed handshakes and revocation refresh errors;
	// nil discards them.
	ErrorLog *log.Logger
}

// Server is the TLS test endpoint. It is safe for concurrent use.
type Server struct {
	tlsConfig  *tls.Config
	chain      []*x509.Certificate
	clientAuth ClientAuth
	roots      *x509.CertPool
	inters     *x509.CertPool
	revoked    *revocationCache // nil with ClientAuthNone
	verified   verifyCache
	live       liveConns // connections with a client certificate, closed when it is revoked
	caPEM      []byte
	crl        func(ctx context.Context) ([]byte, error)
	now        func() time.Time
	errorLog   *log.Logger
	handler    http.Handler
	stapler    *stapler // nil without OCSPStaple
}

// NewServer validates cfg and returns a Server. It fails when the
// certificate is missing or does not parse, when its key does not match, when MinVersion is not TLS 1.2
// or 1.3, when RefreshInterval is negative, or when client authentication
// is on without Roots or Revoked. It does not call the RevocationSource.
func NewServer(cfg ServerConfig) (*Server, error) {
	cert, chain, err := serverCertificate(cfg.Certificate)
	if err != nil {
		return nil, err
	}
	minVersion, interval, err := cfg.check()
	if err != nil {
		return nil, err
	}
	s := &Server{
		chain: chain, clientAuth: cfg.ClientAuth, roots: cfg.Roots, inters: cfg.Intermediates,
		caPEM: cfg.CAPEM, crl: cfg.CRL, now: cfg.Now, errorLog: cfg.ErrorLog,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.errorLog == nil {
		s.errorLog = log.New(io.Discard, "", 0)
	}
	if s.inters == nil {
		s.inters = x509.NewCertPool()
	}
	tlsClientAuth := tls.NoClientCert
	if cfg.ClientAuth != ClientAuthNone {
		s.revoked = newRevocationCache(cfg.Revoked, interval, s.errorLog)
		s.revoked.onRefresh = func(set map[string]bool) { s.live.closeRevoked(set, s.errorLog) }
		// Go's own verification is off (it would only use what the client
		// sent plus ClientCAs); verifyConnection does it, on resumed
		// sessions too.
		tlsClientAuth = tls.RequestClientCert
		if cfg.ClientAuth == ClientAuthRequire {
			tlsClientAuth = tls.RequireAnyClientCert
		}
	}
	s.tlsConfig = &tls.Config{
		Certificates:     []tls.Certificate{cert},
		MinVersion:       minVersion,
		ClientAuth:       tlsClientAuth,
		VerifyConnection: s.verifyConnection,
		NextProtos:       []string{"h2", "http/1.1"},
		// TLS 1.2: forward-secret AEAD suites only, as HTTP/2 requires
		// (RFC 9113, 9.2.2; Go's defaults add CBC with SHA-1, on which an
		// h2 client gets no page). TLS 1.3 suites are not configurable.
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
		Time: s.now,
		// Session tickets (TLS 1.2 and 1.3) are on: SessionTicketsDisabled
		// stays false and the ticket keys rotate automatically.
	}
	if cfg.OCSPStaple != nil {
		s.stapler = newStapler(cert, cfg.OCSPStaple, s.now, s.errorLog.Printf)
		s.tlsConfig.Certificates = nil
		s.tlsConfig.GetCertificate = s.stapler.certificate
	}
	s.handler = s.guard(s.newHandler())
	return s, nil
}

// serverCertificate parses the server's chain and checks that its key
// belongs to the leaf.
func serverCertificate(c tls.Certificate) (tls.Certificate, []*x509.Certificate, error) {
	if len(c.Certificate) == 0 {
		return c, nil, errors.New("tlsendpoint: the server certificate is missing")
	}
	if c.PrivateKey == nil {
		return c, nil, errors.New("tlsendpoint: the server certificate has no private key")
	}
	chain := make([]*x509.Certificate, 0, len(c.Certificate))
	for i, der := range c.Certificate {
		if i == 0 && c.Leaf != nil {
			chain = append(chain, c.Leaf)
			continue
		}
		parsed, err := x509.ParseCertificate(der)
		if err != nil {
			return c, nil, fmt.Errorf("tlsendpoint: parsing certificate %d of the server chain: %w", i, err)
		}
		chain = append(chain, parsed)
	}
	c.Leaf = chain[0]
	signer, ok := c.PrivateKey.(crypto.Signer)
	if !ok {
		return c, nil, fmt.Errorf("tlsendpoint: the server's private key (%T) cannot sign", c.PrivateKey)
	}
	if !pem.SamePublicKey(signer.Public(), c.Leaf.PublicKey) {
		return c, nil, fmt.Errorf("tlsendpoint: the private key does not belong to the server certificate %q", c.Leaf.Subject)
	}
	return c, chain, nil
}

// check refuses settings the server cannot run with and fills the
// defaults: the minimum TLS version and the revocation refresh interval.
func (cfg *ServerConfig) check() (uint16, time.Duration, error) {
	switch cfg.ClientAuth {
	case ClientAuthNone:
	case ClientAuthRequest, ClientAuthRequire:
		if cfg.Roots == nil {
			return 0, 0, fmt.Errorf("tlsendpoint: client auth %q needs the home's roots (ServerConfig.Roots)", cfg.ClientAuth)
		}
		if cfg.Revoked == nil {
			return 0, 0, fmt.Errorf("tlsendpoint: client auth %q needs a revocation source (ServerConfig.Revoked)", cfg.ClientAuth)
		}
	default:
		return 0, 0, fmt.Errorf("tlsendpoint: unknown client auth %d", int(cfg.ClientAuth))
	}
	minVersion := cfg.MinVersion
	switch minVersion {
	case 0:
		minVersion = tls.VersionTLS12
	case tls.VersionTLS12, tls.VersionTLS13:
	default:
		return 0, 0, fmt.Errorf("tlsendpoint: minimum TLS version %#04x is not supported (use TLS 1.2 or 1.3)", minVersion)
	}
	interval := cfg.RefreshInterval
	switch {
	case interval < 0:
		return 0, 0, fmt.Errorf("tlsendpoint: refresh interval %v is negative", interval)
	case interval == 0:
		interval = defaultRefreshInterval
	}
	return minVersion, interval, nil
}

// TLSConfig returns the tls.Config that Serve uses. The caller must not
// change it. A handshake on it checks client certificates, and keeps the
// revocation set fresh by itself when Serve is not running.
func (s *Server) TLSConfig() *tls.Config {
	return s.tlsConfig
}

// Serve serves HTTPS (HTTP/2 and HTTP/1.1) on ln until ctx is done, then
// stops accepting, waits up to 5 seconds for open requests, closes what is
// left and returns nil. It closes ln. While it runs, it refreshes the
// revocation set in the background every RefreshInterval; with client
// authentication, each refresh closes the open connections (kept-alive
// HTTP/1.1, HTTP/2) of clients now revoked, and each request of a client
// with a certificate is checked against the current set (403 and the
// connection closed when revoked). It returns an error only when ln fails.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		TLSConfig:         s.tlsConfig,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          s.errorLog,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	s.trackConns(srv)

	runCtx, stopRefresh := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if s.revoked != nil {
		wg.Go(func() { s.revoked.run(runCtx) })
	}
	if s.stapler != nil {
		next := s.stapler.refresh(runCtx) // the first staple before the first client
		wg.Go(func() {
			select {
			case <-runCtx.Done():
				return
			case <-time.After(next):
			}
			s.stapler.run(runCtx)
		})
	}
	defer func() {
		stopRefresh()
		wg.Wait()
	}()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(tls.NewListener(ln, s.tlsConfig)) }()
	select {
	case err := <-errc:
		return fmt.Errorf("tlsendpoint: serving on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("tlsendpoint: serving on %s: %w", ln.Addr(), err)
	}
	return nil
}
