package tlsendpoint

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"time"
)

// ScanConfig configures Scan. Only Address is required.
type ScanConfig struct {
	// Address is "host:port", "host" (port 443) or "https://host[:port]/".
	Address string
	// ServerName is the SNI sent; default the host of Address.
	ServerName string
	// Timeout bounds each handshake; default 5s.
	Timeout time.Duration
}

// ScanSuite is one cipher suite the server accepted.
type ScanSuite struct {
	// Name is the IANA name, e.g. "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256".
	Name string `json:"name"`
	// ID is the suite's code point, e.g. "0xc02b".
	ID string `json:"id"`
	// Versions are the TLS versions it was accepted with.
	Versions []string `json:"versions"`
	// Insecure: crypto/tls lists it among tls.InsecureCipherSuites.
	Insecure bool `json:"insecure"`
}

// ScanResult is what Scan found the server to accept. Every list is
// non-nil, so that JSON has [] rather than null.
type ScanResult struct {
	Address    string `json:"address"`
	ServerName string `json:"serverName"`
	// Versions are the accepted TLS versions, e.g. "TLS 1.2", lowest first.
	Versions []string `json:"versions"`
	// CipherSuites are the accepted suites' IANA names. For TLS 1.3 only
	// the suite the server chose: crypto/tls cannot offer TLS 1.3 suites
	// one by one.
	CipherSuites []string `json:"cipherSuites"`
	// Suites are the accepted suites with their versions.
	Suites []ScanSuite `json:"suites"`
	// Groups are the accepted key exchange groups (IANA names: x25519,
	// secp256r1, X25519MLKEM768, ...).
	Groups []string `json:"groups"`
	// CertificateSignature is the signature algorithm of the server's
	// certificate, as crypto/x509 names it (e.g. "ECDSA-SHA256").
	CertificateSignature string `json:"certificateSignature"`
	// PublicKey is the server key's algorithm and size ("ECDSA P-256").
	PublicKey string `json:"publicKey"`
	// HandshakeSignature is the signature scheme of the server's TLS 1.2
	// ServerKeyExchange (e.g. "ECDSAWithP256AndSHA256"); empty when the
	// server has no TLS 1.2 ECDHE (TLS 1.3 encrypts it from crypto/tls's
	// view, which does not report it).
	HandshakeSignature string `json:"handshakeSignature"`
	// Handshakes is the number of handshakes made.
	Handshakes int `json:"handshakes"`
	// Error is the last failure when the server accepted nothing.
	Error string `json:"error,omitempty"`
}

// scanVersions are the versions crypto/tls can offer as a client (TLS 1.0
// and 1.1 only because Scan sets MinVersion).
var scanVersions = []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13}

// scanGroups are the key exchange groups crypto/tls can offer, with their
// IANA names.
var scanGroups = []struct {
	id   tls.CurveID
	name string
}{
	{tls.X25519MLKEM768, "X25519MLKEM768"},
	{tls.SecP256r1MLKEM768, "SecP256r1MLKEM768"},
	{tls.SecP384r1MLKEM1024, "SecP384r1MLKEM1024"},
	{tls.X25519, "x25519"},
	{tls.CurveP256, "secp256r1"},
	{tls.CurveP384, "secp384r1"},
	{tls.CurveP521, "secp521r1"},
}

// Scan finds what a TLS server accepts: each TLS version (one handshake
// each), each cipher suite crypto/tls can offer up to TLS 1.2 (one
// handshake per suite and accepted version), each key exchange group
// (one handshake each), and the signature algorithms. It does not verify
// the server's chain: it reports negotiation, not trust (use Probe). The
// error is for an address that does not parse; a server that accepts
// nothing gives a result with Error set and empty lists.
func Scan(ctx context.Context, cfg ScanConfig) (*ScanResult, error) {
	target, err := parseAddress(cfg.Address)
	if err != nil {
		return nil, err
	}
	s := &scanner{cfg: cfg, addr: target.hostport, serverName: cfg.ServerName}
	if s.serverName == "" {
		s.serverName = target.host
	}
	if s.cfg.Timeout <= 0 {
		s.cfg.Timeout = 5 * time.Second
	}
	s.res = &ScanResult{Address: target.hostport, ServerName: s.serverName, Versions: []string{},
		CipherSuites: []string{}, Suites: []ScanSuite{}, Groups: []string{}}
	accepted := s.scanVersions(ctx)
	if len(accepted) == 0 {
		return s.res, nil
	}
	s.scanSuites(ctx, accepted)
	s.scanGroups(ctx, accepted[len(accepted)-1])
	return s.res, nil
}

type scanner struct {
	cfg        ScanConfig
	addr       string
	serverName string
	res        *ScanResult
	tls13Suite uint16
	certCurve  tls.CurveID // the curve of an ECDSA server key
}

// try makes one handshake with c (verification off) and returns its state.
func (s *scanner) try(ctx context.Context, c *tls.Config) (tls.ConnectionState, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	s.res.Handshakes++
	c.ServerName, c.InsecureSkipVerify = s.serverName, true // a scan reports negotiation, not trust
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		s.res.Error = err.Error()
		return tls.ConnectionState{}, nil, err
	}
	rec := &recordingConn{Conn: raw}
	conn := tls.Client(rec, c)
	defer conn.Close()
	if err := conn.HandshakeContext(ctx); err != nil {
		s.res.Error = err.Error()
		return tls.ConnectionState{}, nil, err
	}
	return conn.ConnectionState(), rec.buf, nil
}

// allSuites is every suite crypto/tls implements up to TLS 1.2.
func allSuites() []*tls.CipherSuite {
	return append(tls.CipherSuites(), tls.InsecureCipherSuites()...)
}

func suiteIDs(v uint16) []uint16 {
	var ids []uint16
	for _, cs := range allSuites() {
		for _, sv := range cs.SupportedVersions {
			if sv == v {
				ids = append(ids, cs.ID)
			}
		}
	}
	return ids
}

// scanVersions tries each version with every suite crypto/tls has for it
// and returns those accepted, lowest first.
func (s *scanner) scanVersions(ctx context.Context) []uint16 {
	var accepted []uint16
	for _, v := range scanVersions {
		c := &tls.Config{MinVersion: v, MaxVersion: v}
		if v < tls.VersionTLS13 {
			c.CipherSuites = suiteIDs(v)
		}
		st, raw, err := s.try(ctx, c)
		if err != nil || st.Version != v {
			continue
		}
		accepted = append(accepted, v)
		s.res.Versions = append(s.res.Versions, tls.VersionName(v))
		if v == tls.VersionTLS13 {
			s.tls13Suite = st.CipherSuite
		}
		s.noteCertificate(st)
		if sig := serverKeyExchangeScheme(raw); sig != "" && v == tls.VersionTLS12 {
			s.res.HandshakeSignature = sig
		}
	}
	if len(accepted) > 0 {
		s.res.Error = ""
	}
	return accepted
}

func (s *scanner) noteCertificate(st tls.ConnectionState) {
	if len(st.PeerCertificates) == 0 || s.res.PublicKey != "" {
		return
	}
	leaf := st.PeerCertificates[0]
	s.res.CertificateSignature = leaf.SignatureAlgorithm.String()
	s.res.PublicKey = describeKey(leaf)
	if k, ok := leaf.PublicKey.(*ecdsa.PublicKey); ok {
		s.certCurve = map[string]tls.CurveID{"P-256": tls.CurveP256, "P-384": tls.CurveP384, "P-521": tls.CurveP521}[k.Curve.Params().Name]
	}
}

func describeKey(c *x509.Certificate) string {
	switch k := c.PublicKey.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return c.PublicKeyAlgorithm.String()
}

// scanSuites offers each suite alone, once per accepted version up to TLS
// 1.2; TLS 1.3 contributes the suite the server chose.
func (s *scanner) scanSuites(ctx context.Context, versions []uint16) {
	insecure := map[uint16]bool{}
	for _, cs := range tls.InsecureCipherSuites() {
		insecure[cs.ID] = true
	}
	for _, cs := range allSuites() {
		suite := ScanSuite{Name: cs.Name, ID: fmt.Sprintf("0x%04x", cs.ID), Versions: []string{}, Insecure: insecure[cs.ID]}
		for _, v := range versions {
			if v == tls.VersionTLS13 || !supports(cs, v) {
				continue
			}
			st, _, err := s.try(ctx, &tls.Config{MinVersion: v, MaxVersion: v, CipherSuites: []uint16{cs.ID}})
			if err == nil && st.CipherSuite == cs.ID {
				suite.Versions = append(suite.Versions, tls.VersionName(v))
			}
		}
		if cs.ID == s.tls13Suite && s.tls13Suite != 0 {
			suite.Versions = append(suite.Versions, tls.VersionName(tls.VersionTLS13))
		}
		if len(suite.Versions) > 0 {
			s.res.Suites = append(s.res.Suites, suite)
			s.res.CipherSuites = append(s.res.CipherSuites, suite.Name)
		}
	}
	s.res.Error = ""
}

func supports(cs *tls.CipherSuite, v uint16) bool {
	for _, sv := range cs.SupportedVersions {
		if sv == v {
			return true
		}
	}
	return false
}

// scanGroups offers each group alone with the highest accepted version;
// the post-quantum hybrids exist only in TLS 1.3. A group is accepted when
// the handshake used it (crypto/tls's ConnectionState.CurveID). Up to TLS
// 1.2 the groups a client offers also bound the curve of the server's
// ECDSA certificate (RFC 8422, 5.1), so that curve is offered after the
// group tried.
func (s *scanner) scanGroups(ctx context.Context, highest uint16) {
	for _, g := range scanGroups {
		c := &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: highest, CurvePreferences: []tls.CurveID{g.id}}
		if highest < tls.VersionTLS13 {
			if g.id == tls.X25519MLKEM768 || g.id == tls.SecP256r1MLKEM768 || g.id == tls.SecP384r1MLKEM1024 {
				continue
			}
			c.CipherSuites = suiteIDs(highest)
			if s.certCurve != 0 && s.certCurve != g.id {
				c.CurvePreferences = append(c.CurvePreferences, s.certCurve)
			}
		}
		if st, _, err := s.try(ctx, c); err == nil && st.CurveID == g.id {
			s.res.Groups = append(s.res.Groups, g.name)
		}
	}
	s.res.Error = ""
}

// recordingConn keeps the first bytes the server sends (the plaintext
// handshake records of TLS 1.2) for serverKeyExchangeScheme.
type recordingConn struct {
	net.Conn
	buf []byte
}

const maxRecorded = 64 << 10

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if room := maxRecorded - len(c.buf); room > 0 {
		c.buf = append(c.buf, p[:min(n, room)]...)
	}
	return n, err
}

// serverKeyExchangeScheme finds a TLS 1.2 ECDHE ServerKeyExchange
// (RFC 8422, 5.4; RFC 5246, 7.4.3) in the server's first records and
// returns its signature scheme's name, or "".
func serverKeyExchangeScheme(raw []byte) string {
	var hs []byte
	for len(raw) >= 5 && raw[0] == 22 { // handshake records, up to ChangeCipherSpec
		n := int(raw[3])<<8 | int(raw[4])
		if len(raw) < 5+n {
			break
		}
		hs, raw = append(hs, raw[5:5+n]...), raw[5+n:]
	}
	for len(hs) >= 4 {
		typ, n := hs[0], int(hs[1])<<16|int(hs[2])<<8|int(hs[3])
		if len(hs) < 4+n {
			return ""
		}
		body := hs[4 : 4+n]
		hs = hs[4+n:]
		if typ != 12 || len(body) < 4 || body[0] != 3 { // server_key_exchange, named_curve
			continue
		}
		off := 4 + int(body[3])
		if len(body) < off+2 {
			return ""
		}
		return tls.SignatureScheme(uint16(body[off])<<8 | uint16(body[off+1])).String()
	}
	return ""
}
