package tlsendpoint

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ProbeConfig configures Probe. Only Address is required.
type ProbeConfig struct {
	// Address is "host:port", "host" (port 443) or "https://host[:port]/path";
	// the path (default "/") is what Probe requests after the handshake.
	Address string
	// ServerName is the name sent as SNI and checked against the server
	// certificate; default the host of Address.
	ServerName string
	// RootCAs verify the server's chain; nil means the system roots.
	RootCAs *x509.CertPool
	// Certificates are offered for mutual TLS: each a leaf, its chain and
	// its private key. Empty means no client certificate.
	Certificates []tls.Certificate
	// MinVersion and MaxVersion bound the TLS version; zero means
	// crypto/tls's defaults (TLS 1.2 to TLS 1.3).
	MinVersion, MaxVersion uint16
	// Resume makes a second handshake with the session from the first and
	// reports whether the server resumed it (Result.Resumed).
	Resume bool
	// CheckRevocation tells the revocation state of the server's leaf;
	// issuer is the leaf's issuer in the verified chain, else the second
	// certificate the server sent, else nil. Nil means: fetch the CRL from
	// the leaf's first HTTP(S) CRL distribution point and check it with
	// CheckCRL, or report RevocationUnchecked when there is none.
	CheckRevocation func(ctx context.Context, leaf, issuer *x509.Certificate) (Revocation, error)
	// Timeout bounds the whole probe; default 10s.
	Timeout time.Duration
	// Now is the clock for certificate and CRL validity; nil means
	// time.Now. Durations are measured with the system's monotonic clock.
	Now func() time.Time
}

// Outcome is the summary of a probe, as "ca probe --expect" takes it.
type Outcome string

// The outcomes of a probe.
const (
	// OutcomeOK: handshake done, chain verified, leaf not revoked (or
	// unchecked, when there was nothing to check against).
	OutcomeOK Outcome = "ok"
	// OutcomeRevoked: the server's certificate is revoked.
	OutcomeRevoked Outcome = "revoked"
	// OutcomeRefused: the server refused our client certificate (or our
	// lack of one).
	OutcomeRefused Outcome = "refused"
	// OutcomeFailed: anything else went wrong: no connection, a failed
	// handshake, a chain that does not verify, a revocation check that
	// could not be done although there was something to check against.
	OutcomeFailed Outcome = "failed"
)

// Result is what Probe found. It marshals to JSON with camelCase keys,
// HandshakeTime and ResumeTime as milliseconds ("handshakeMs",
// "resumeMs"), and the Outcome as "outcome".
type Result struct {
	// Address is the "host:port" probed.
	Address string `json:"address"`
	// ServerName is the SNI sent and the name verified.
	ServerName string `json:"serverName"`
	// TLSVersion is the negotiated version, e.g. "TLS 1.3".
	TLSVersion string `json:"tlsVersion"`
	// CipherSuite is the negotiated suite's IANA name.
	CipherSuite string `json:"cipherSuite"`
	// ALPN is the negotiated application protocol, "" when none.
	ALPN string `json:"alpn"`
	// Resumed: the second handshake (ProbeConfig.Resume) resumed the first
	// one's session.
	Resumed bool `json:"resumed"`
	// Verified: the server's chain verified against the roots for
	// ServerName.
	Verified bool `json:"verified"`
	// VerifyError says why the chain did not verify, "" when it did.
	VerifyError string `json:"verifyError"`
	// Revocation is the state of the server's leaf.
	Revocation Revocation `json:"revocation"`
	// ClientCertRefused: the server refused our client certificate, in the
	// handshake (TLS 1.2) or on the first read after it (TLS 1.3).
	ClientCertRefused bool `json:"clientCertRefused"`
	// Error says what failed, "" when nothing did.
	Error string `json:"error"`
	// PeerChain is the chain the server sent, leaf first.
	PeerChain []CertInfo `json:"peerChain"`
	// HandshakeTime is the duration of the first TLS handshake, TCP
	// connection excluded ("handshakeMs" in JSON).
	HandshakeTime time.Duration `json:"-"`
	// ResumeTime is that of the second handshake, with Resume
	// ("resumeMs" in JSON).
	ResumeTime time.Duration `json:"-"`
}

// Outcome summarises r: refused before failed before revoked before ok.
func (r *Result) Outcome() Outcome {
	switch {
	case r.ClientCertRefused:
		return OutcomeRefused
	case r.Error != "" || !r.Verified:
		return OutcomeFailed
	case r.Revocation == RevocationRevoked:
		return OutcomeRevoked
	}
	return OutcomeOK
}

type resultAlias Result

type resultJSON struct {
	*resultAlias
	Outcome     Outcome `json:"outcome"`
	HandshakeMs float64 `json:"handshakeMs"`
	ResumeMs    float64 `json:"resumeMs"`
}

func durationMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// MarshalJSON encodes r with its outcome and its durations in milliseconds;
// a nil PeerChain is written as [].
func (r Result) MarshalJSON() ([]byte, error) {
	if r.PeerChain == nil {
		r.PeerChain = []CertInfo{}
	}
	return json.Marshal(resultJSON{
		resultAlias: (*resultAlias)(&r),
		Outcome:     r.Outcome(),
		HandshakeMs: durationMs(r.HandshakeTime),
		ResumeMs:    durationMs(r.ResumeTime),
	})
}

// UnmarshalJSON decodes what MarshalJSON encodes ("outcome" is derived,
// so it is ignored).
func (r *Result) UnmarshalJSON(b []byte) error {
	v := resultJSON{resultAlias: (*resultAlias)(r)}
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("tlsendpoint: decoding a probe result: %w", err)
	}
	r.HandshakeTime = time.Duration(v.HandshakeMs * float64(time.Millisecond))
	r.ResumeTime = time.Duration(v.ResumeMs * float64(time.Millisecond))
	return nil
}

const (
	defaultProbeTimeout = 10 * time.Second
	// exchangeTimeout bounds the request sent after a handshake to learn
	// whether a TLS 1.3 server refused the client certificate.
	exchangeTimeout = 3 * time.Second
)

// Probe connects to cfg.Address, does a TLS handshake, verifies the
// server's chain against cfg.RootCAs (a chain that does not verify is
// reported in VerifyError, not fatal), checks the leaf's revocation, and
// sends a GET request to learn whether the server refused the client
// certificate (in TLS 1.3 a client learns that only on its first read).
// With cfg.Resume it then connects again with the first session and
// reports whether the server resumed it; a refusal of the resumed session
// counts as a refusal. Probe returns an error only for a bad cfg; whatever
// happens on the network is reported in the Result.
func Probe(ctx context.Context, cfg ProbeConfig) (*Result, error) {
	target, err := cfg.check()
	if err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = defaultProbeTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	serverName := cfg.ServerName
	if serverName == "" {
		serverName = target.host
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res := &Result{Address: target.hostport, ServerName: serverName, Revocation: RevocationUnchecked, PeerChain: []CertInfo{}}
	tlsCfg := &tls.Config{
		// The chain is verified below, so that a bad chain is reported
		// rather than ending the probe.
		InsecureSkipVerify: true,
		ServerName:         serverName,
		MinVersion:         cfg.MinVersion,
		MaxVersion:         cfg.MaxVersion,
		NextProtos:         []string{"h2", "http/1.1"},
		Time:               cfg.Now,
	}
	if cfg.Resume {
		tlsCfg.ClientSessionCache = tls.NewLRUClientSessionCache(1)
	}
	if !probeFirst(ctx, cfg, target, tlsCfg, res) || !cfg.Resume {
		return res, nil
	}
	probeResume(ctx, cfg, target, tlsCfg, res)
	return res, nil
}

// check refuses a configuration that cannot probe, and parses the address.
func (cfg *ProbeConfig) check() (probeTarget, error) {
	target, err := parseAddress(cfg.Address)
	if err != nil {
		return target, err
	}
	if cfg.MinVersion != 0 && cfg.MaxVersion != 0 && cfg.MinVersion > cfg.MaxVersion {
		return target, fmt.Errorf("tlsendpoint: minimum TLS version %s is above the maximum %s", tls.VersionName(cfg.MinVersion), tls.VersionName(cfg.MaxVersion))
	}
	if cfg.Timeout < 0 {
		return target, fmt.Errorf("tlsendpoint: probe timeout %v is negative", cfg.Timeout)
	}
	for i, c := range cfg.Certificates {
		if len(c.Certificate) == 0 || c.PrivateKey == nil {
			return target, fmt.Errorf("tlsendpoint: client certificate %d needs a certificate and its private key", i)
		}
	}
	return target, nil
}

// probeFirst runs the first handshake and request into res: the chain,
// its verification, the server certificate's revocation, a refusal of
// ours. It reports whether the probe may go on (to a resumption).
func probeFirst(ctx context.Context, cfg ProbeConfig, target probeTarget, tlsCfg *tls.Config, res *Result) bool {
	conn, elapsed, requested, err := handshake(ctx, target.hostport, tlsCfg, cfg.Certificates)
	res.HandshakeTime = elapsed
	if err != nil {
		res.fail("handshake", err, requested)
		return false
	}
	cs := conn.ConnectionState()
	if len(cs.PeerCertificates) == 0 {
		conn.Close()
		res.Error = "handshake: the server sent no certificate"
		return false
	}
	res.TLSVersion = tls.VersionName(cs.Version)
	res.CipherSuite = tls.CipherSuiteName(cs.CipherSuite)
	res.ALPN = cs.NegotiatedProtocol
	res.PeerChain = certInfos(cs.PeerCertificates)
	leaf, issuer := res.verify(cs.PeerCertificates, cfg.RootCAs, tlsCfg.ServerName, cfg.Now())
	// The server's certificate is checked before the first read, which may
	// be the server refusing ours: its revocation is known either way.
	rev, revErr := checkRevocation(ctx, cfg.CheckRevocation, leaf, issuer, cfg.RootCAs, cfg.Now())
	res.Revocation = rev
	if revErr != nil {
		res.Error = "revocation check: " + revErr.Error()
	}
	err = exchange(ctx, conn, target, cs.NegotiatedProtocol)
	conn.Close()
	if isRefusal(err, requested) {
		res.fail("first read", err, requested)
		return false
	}
	return true
}

// verify verifies the peer's chain for name at now into res, and returns
// the leaf and its issuer (from the verified chain, else as sent).
func (res *Result) verify(peer []*x509.Certificate, roots *x509.CertPool, name string, now time.Time) (leaf, issuer *x509.Certificate) {
	leaf = peer[0]
	inters := x509.NewCertPool()
	for _, c := range peer[1:] {
		inters.AddCert(c)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, Intermediates: inters, CurrentTime: now})
	switch {
	case err != nil:
		res.VerifyError = err.Error()
		if len(peer) > 1 {
			issuer = peer[1]
		}
	default:
		res.Verified = true
		if len(chains[0]) > 1 {
			issuer = chains[0][1]
		}
	}
	return leaf, issuer
}

// probeResume runs a second handshake that should resume the first
// session, and its first request, into res.
func probeResume(ctx context.Context, cfg ProbeConfig, target probeTarget, tlsCfg *tls.Config, res *Result) {
	conn, elapsed, requested, err := handshake(ctx, target.hostport, tlsCfg, cfg.Certificates)
	res.ResumeTime = elapsed
	if err != nil {
		res.fail("resumption handshake", err, requested)
		return
	}
	res.Resumed = conn.ConnectionState().DidResume
	err = exchange(ctx, conn, target, conn.ConnectionState().NegotiatedProtocol)
	conn.Close()
	// A resumed session carries the first one's certificate.
	if isRefusal(err, requested || res.Resumed) {
		res.fail("first read on the resumed session", err, true)
	}
}

// fail records err, after any earlier error, and whether it is the server
// refusing our certificate.
func (r *Result) fail(step string, err error, certRequested bool) {
	msg := step + ": " + err.Error()
	if isRefusal(err, certRequested) {
		r.ClientCertRefused = true
		msg = step + ": the server refused the client certificate: " + err.Error()
	}
	if r.Error != "" {
		msg = r.Error + "; " + msg
	}
	r.Error = msg
}

type probeTarget struct {
	hostport string // for dialing
	host     string // without brackets, for the server name
	hostHdr  string // for the Host header
	path     string // request URI
}

// parseAddress accepts "host:port", "host", "[v6]:port", "v6" and
// "https://host[:port][/path]".
func parseAddress(addr string) (probeTarget, error) {
	var t probeTarget
	if addr == "" {
		return t, errors.New("tlsendpoint: the address to probe is empty (give host:port or https://host:port/)")
	}
	var port string
	if strings.Contains(addr, "://") {
		u, err := url.Parse(addr)
		if err != nil {
			return t, fmt.Errorf("tlsendpoint: address %q: %w", addr, err)
		}
		if u.Scheme != "https" {
			return t, fmt.Errorf("tlsendpoint: address %q: only https:// URLs can be probed", addr)
		}
		t.host, port, t.path = u.Hostname(), u.Port(), u.RequestURI()
	} else {
		h, p, err := net.SplitHostPort(addr)
		if err != nil {
			h, p = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]"), ""
		}
		t.host, port, t.path = h, p, "/"
	}
	if t.host == "" {
		return t, fmt.Errorf("tlsendpoint: address %q has no host", addr)
	}
	if strings.ContainsAny(t.host, "[]/ ") {
		return t, fmt.Errorf("tlsendpoint: address %q: host %q is not a host name or IP address", addr, t.host)
	}
	if port == "" {
		port = "443"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return t, fmt.Errorf("tlsendpoint: address %q: port %q is not a number from 1 to 65535", addr, port)
	}
	t.hostport = net.JoinHostPort(t.host, port)
	t.hostHdr = t.hostport
	if port == "443" {
		t.hostHdr = t.host
		if strings.Contains(t.host, ":") {
			t.hostHdr = "[" + t.host + "]"
		}
	}
	if t.path == "" {
		t.path = "/"
	}
	return t, nil
}

// handshake dials addr and runs the TLS handshake with base and certs; it
// reports whether the server asked for a client certificate. The duration
// excludes the TCP connection.
func handshake(ctx context.Context, addr string, base *tls.Config, certs []tls.Certificate) (*tls.Conn, time.Duration, bool, error) {
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, 0, false, err
	}
	cfg := base.Clone() // shares the session cache
	requested := false
	cfg.GetClientCertificate = func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
		requested = true
		return chooseClientCert(cri, certs), nil
	}
	conn := tls.Client(raw, cfg)
	start := time.Now()
	err = conn.HandshakeContext(ctx)
	elapsed := time.Since(start)
	if err != nil {
		raw.Close()
		return nil, elapsed, requested, err
	}
	return conn, elapsed, requested, nil
}

// chooseClientCert picks the first certificate the server's request
// accepts; when it accepts none (for instance because its CA list names
// the root and the chain given stops short of it), the first one, since
// the user asked for it to be tried. No certificates: an empty one.
func chooseClientCert(cri *tls.CertificateRequestInfo, certs []tls.Certificate) *tls.Certificate {
	for i := range certs {
		if cri.SupportsCertificate(&certs[i]) == nil {
			return &certs[i]
		}
	}
	if len(certs) > 0 {
		return &certs[0]
	}
	return &tls.Certificate{}
}

// h2Preface is the HTTP/2 client connection preface followed by an empty
// SETTINGS frame (RFC 9113, 3.4 and 6.5).
const h2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + "\x00\x00\x00\x04\x00\x00\x00\x00\x00"

// exchange sends a request and reads the first bytes of the answer: that
// read is where a TLS 1.3 client learns that the server refused its
// certificate, and where it receives the session tickets. A server that
// does not answer within exchangeTimeout is not an error.
func exchange(ctx context.Context, conn *tls.Conn, t probeTarget, alpn string) error {
	deadline := time.Now().Add(exchangeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn.SetDeadline(deadline)
	req := h2Preface
	if alpn != "h2" {
		req = "GET " + t.path + " HTTP/1.1\r\nHost: " + t.hostHdr + "\r\nUser-Agent: ca-probe\r\nConnection: close\r\n\r\n"
	}
	_, werr := io.WriteString(conn, req)
	var buf [512]byte
	_, rerr := conn.Read(buf[:])
	if rerr != nil && !errors.Is(rerr, io.EOF) && !errors.Is(rerr, context.DeadlineExceeded) {
		var ne net.Error
		if !errors.As(rerr, &ne) || !ne.Timeout() {
			return rerr
		}
	}
	if werr != nil && rerr != nil {
		return werr
	}
	return nil
}

// refusalAlerts are the alerts with which servers refuse a client
// certificate (RFC 8446, 6.2; RFC 5246, 7.2.2).
var refusalAlerts = []tls.AlertError{
	42,  // bad_certificate: crypto/tls's answer to every VerifyConnection error
	43,  // unsupported_certificate
	44,  // certificate_revoked
	45,  // certificate_expired
	46,  // certificate_unknown
	48,  // unknown_ca
	49,  // access_denied
	116, // certificate_required
}

// alertHandshakeFailure is how a TLS 1.2 server refuses a client that sent
// no certificate (RFC 5246, 7.4.6); it also means "no common parameters",
// so it counts as a refusal only after the server asked for a certificate.
const alertHandshakeFailure tls.AlertError = 40

// remoteAlert returns the alert the server sent, if err is one.
func remoteAlert(err error) (tls.AlertError, bool) {
	if err == nil {
		return 0, false
	}
	if ae, ok := errors.AsType[tls.AlertError](err); ok {
		return ae, true
	}
	// Over TCP, crypto/tls reports a received alert as a *net.OpError
	// "remote error" wrapping its unexported alert type, whose text is the
	// same as that of the AlertError with the same number.
	oe, ok := errors.AsType[*net.OpError](err)
	if !ok || oe.Op != "remote error" || oe.Err == nil {
		return 0, false
	}
	for a := range 256 {
		if ae := tls.AlertError(a); oe.Err.Error() == ae.Error() {
			return ae, true
		}
	}
	return 0, false
}

// isRefusal tells whether err is the server refusing our client
// certificate; certRequested says whether the server asked for one.
func isRefusal(err error, certRequested bool) bool {
	a, ok := remoteAlert(err)
	if !ok {
		return false
	}
	if a == alertHandshakeFailure {
		return certRequested
	}
	for _, r := range refusalAlerts {
		if a == r {
			return true
		}
	}
	return false
}

// checkRevocation runs the configured check or the default one.
func checkRevocation(ctx context.Context, check func(context.Context, *x509.Certificate, *x509.Certificate) (Revocation, error),
	leaf, issuer *x509.Certificate, roots *x509.CertPool, now time.Time) (Revocation, error) {
	if check != nil {
		r, err := check(ctx, leaf, issuer)
		if err != nil {
			return RevocationUnchecked, err
		}
		return r, nil
	}
	for _, u := range leaf.CRLDistributionPoints {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			continue
		}
		if issuer == nil {
			return RevocationUnchecked, errors.New("tlsendpoint: the server sent no issuer to check its CRL with")
		}
		der, err := FetchCRL(ctx, u, roots)
		if err != nil {
			return RevocationUnchecked, err
		}
		return CheckCRL(der, leaf, issuer, now)
	}
	return RevocationUnchecked, nil
}
