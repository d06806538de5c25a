package tlsendpoint

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// fetch GETs path over a new TLS connection to addr with cfg (HTTP/1.1)
// and returns the body, the client's view of the connection, and the
// handshake or read error.
func fetch(addr string, cfg *tls.Config, path string) ([]byte, tls.ConnectionState, error) {
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: cfg}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, tls.ConnectionState{}, err
	}
	conn := c.(*tls.Conn)
	defer conn.Close()
	cs := conn.ConnectionState()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	req, err := http.NewRequest(http.MethodGet, "https://"+addr+path, nil)
	if err != nil {
		return nil, cs, err
	}
	req.Close = true
	werr := req.Write(conn)
	// Read even when the write failed: a TLS 1.3 server that refused the
	// client certificate may have closed the connection already, and its
	// alert is waiting to be read.
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		if werr != nil && !isRefusal(err, true) {
			return nil, cs, werr
		}
		return nil, cs, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, cs, err
	}
	if resp.StatusCode != http.StatusOK {
		return body, cs, errors.New("status " + resp.Status)
	}
	return body, cs, nil
}

func clientConfig(p *testPKI, version uint16, certs ...tls.Certificate) *tls.Config {
	return &tls.Config{
		RootCAs:      p.roots,
		Certificates: certs,
		MinVersion:   version,
		MaxVersion:   version,
	}
}

var versions = []struct {
	name string
	v    uint16
}{{"TLS1.2", tls.VersionTLS12}, {"TLS1.3", tls.VersionTLS13}}

func TestClientAuth(t *testing.T) {
	p := newTestPKI(t, "Home")
	foreign := newTestPKI(t, "Foreign")
	srvLeaf := p.issue(t, leafOptions{cn: "localhost", server: true})
	alice := p.issue(t, leafOptions{cn: "alice", client: true})
	mallory := p.issue(t, leafOptions{cn: "mallory", client: true})
	stranger := foreign.issue(t, leafOptions{cn: "stranger", client: true})
	serverOnly := p.issue(t, leafOptions{cn: "server-eku-only", server: true})
	expired := p.issue(t, leafOptions{cn: "expired", client: true, notAfter: time.Now().Add(-time.Second)})
	revs := newRevocations()
	revs.revoke(mallory.cert)

	servers := map[ClientAuth]string{}
	for _, ca := range []ClientAuth{ClientAuthNone, ClientAuthRequest, ClientAuthRequire} {
		_, addr := newTestServer(t, ServerConfig{
			Certificate:   srvLeaf.chain,
			Roots:         p.roots,
			Intermediates: p.inters,
			ClientAuth:    ca,
			Revoked:       revs.source,
		})
		servers[ca] = addr
	}

	tests := []struct {
		name        string
		auth        ClientAuth
		certs       []tls.Certificate
		wantRefused bool
		wantClient  *x509.Certificate // the client certificate /handshake.json must show
	}{
		{"require/leaf and chain", ClientAuthRequire, []tls.Certificate{alice.chain}, false, alice.cert},
		{"require/leaf only, server completes the chain", ClientAuthRequire, []tls.Certificate{alice.leafOnly()}, false, alice.cert},
		{"require/no certificate", ClientAuthRequire, nil, true, nil},
		{"require/foreign CA", ClientAuthRequire, []tls.Certificate{stranger.chain}, true, nil},
		{"require/revoked", ClientAuthRequire, []tls.Certificate{mallory.chain}, true, nil},
		{"require/revoked, leaf only", ClientAuthRequire, []tls.Certificate{mallory.leafOnly()}, true, nil},
		{"require/no clientAuth EKU", ClientAuthRequire, []tls.Certificate{serverOnly.chain}, true, nil},
		{"require/expired", ClientAuthRequire, []tls.Certificate{expired.chain}, true, nil},
		{"request/no certificate", ClientAuthRequest, nil, false, nil},
		{"request/leaf only", ClientAuthRequest, []tls.Certificate{alice.leafOnly()}, false, alice.cert},
		{"request/foreign CA", ClientAuthRequest, []tls.Certificate{stranger.chain}, true, nil},
		{"request/revoked", ClientAuthRequest, []tls.Certificate{mallory.chain}, true, nil},
		{"none/certificate not asked for", ClientAuthNone, []tls.Certificate{alice.chain}, false, nil},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v.name+"/"+tt.name, func(t *testing.T) {
				body, cs, err := fetch(servers[tt.auth], clientConfig(p, v.v, tt.certs...), "/handshake.json")
				if tt.wantRefused {
					if err == nil {
						t.Fatalf("connection accepted, want refused; body %s", body)
					}
					if !isRefusal(err, true) {
						t.Fatalf("error %v is not a refusal alert", err)
					}
					return
				}
				if err != nil {
					t.Fatalf("connection refused: %v", err)
				}
				if cs.Version != v.v {
					t.Errorf("version %s, want %s", tls.VersionName(cs.Version), v.name)
				}
				var h handshakeInfo
				if err := json.Unmarshal(body, &h); err != nil {
					t.Fatalf("decoding %s: %v", body, err)
				}
				switch {
				case tt.wantClient == nil && h.ClientCertificate != nil:
					t.Errorf("clientCertificate %+v, want none", h.ClientCertificate)
				case tt.wantClient != nil && h.ClientCertificate == nil:
					t.Errorf("clientCertificate missing")
				case tt.wantClient != nil && h.ClientCertificate.Serial != serialHex(tt.wantClient):
					t.Errorf("clientCertificate serial %s, want %s", h.ClientCertificate.Serial, serialHex(tt.wantClient))
				}
			})
		}
	}
}

// serverHandshake runs the Server's TLSConfig against a client over a
// pipe and returns the server's handshake error.
func serverHandshake(t *testing.T, s *Server, client *tls.Config) error {
	t.Helper()
	sc, cc := net.Pipe()
	defer sc.Close()
	defer cc.Close()
	var wg sync.WaitGroup
	wg.Go(func() {
		c := tls.Client(cc, client)
		if c.Handshake() == nil {
			// TLS 1.3: the server's verdict arrives on the first read.
			c.Read(make([]byte, 1))
		}
		cc.Close()
	})
	srv := tls.Server(sc, s.TLSConfig())
	err := srv.Handshake()
	if err == nil {
		srv.Write([]byte("x"))
	}
	sc.Close()
	wg.Wait()
	return err
}

func TestRevokedIntermediate(t *testing.T) {
	p := newTestPKI(t, "Home")
	srvLeaf := p.issue(t, leafOptions{cn: "localhost", server: true})
	alice := p.issue(t, leafOptions{cn: "alice", client: true})
	revs := newRevocations()
	revs.revoke(p.inter)
	s, err := NewServer(ServerConfig{Certificate: srvLeaf.chain, Roots: p.roots, Intermediates: p.inters,
		ClientAuth: ClientAuthRequire, Revoked: revs.source})
	if err != nil {
		t.Fatal(err)
	}
	cfg := clientConfig(p, tls.VersionTLS13, alice.leafOnly())
	cfg.ServerName = "localhost"
	err = serverHandshake(t, s, cfg)
	if !errors.Is(err, ErrRevoked) || !strings.Contains(err.Error(), "in the chain") {
		t.Fatalf("client under a revoked intermediate: %v, want ErrRevoked naming the chain", err)
	}
}

func TestServerHandshakeErrors(t *testing.T) {
	p := newTestPKI(t, "Home")
	foreign := newTestPKI(t, "Foreign")
	srvLeaf := p.issue(t, leafOptions{cn: "localhost", server: true})
	alice := p.issue(t, leafOptions{cn: "alice", client: true})
	mallory := p.issue(t, leafOptions{cn: "mallory", client: true})
	stranger := foreign.issue(t, leafOptions{cn: "stranger", client: true})
	revs := newRevocations()
	revs.revoke(mallory.cert)
	s, err := NewServer(ServerConfig{Certificate: srvLeaf.chain, Roots: p.roots, Intermediates: p.inters,
		ClientAuth: ClientAuthRequire, Revoked: revs.source})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			cfg := clientConfig(p, v.v)
			cfg.ServerName = "localhost"
			cfg.Certificates = []tls.Certificate{alice.leafOnly()}
			if err := serverHandshake(t, s, cfg); err != nil {
				t.Errorf("alice: %v", err)
			}
			cfg.Certificates = []tls.Certificate{mallory.chain}
			if err := serverHandshake(t, s, cfg); !errors.Is(err, ErrRevoked) {
				t.Errorf("mallory: %v, want ErrRevoked", err)
			} else if !strings.Contains(err.Error(), serialHex(mallory.cert)) {
				t.Errorf("mallory: %v does not name the serial", err)
			}
			cfg.Certificates = []tls.Certificate{stranger.chain}
			var uae x509.UnknownAuthorityError
			if err := serverHandshake(t, s, cfg); !errors.As(err, &uae) {
				t.Errorf("stranger: %v, want x509.UnknownAuthorityError", err)
			}
		})
	}
}

// waitRefused polls with fresh handshakes until the server refuses cfg,
// for up to limit, and returns how long that took.
func waitRefused(t *testing.T, addr string, cfg *tls.Config, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		_, _, err := fetch(addr, cfg, "/handshake.json")
		if err != nil {
			// A 403 is a refusal too: the set was refreshed between the
			// handshake and the request, and the guard refused the
			// request (live.go).
			if !isRefusal(err, true) && err.Error() != "status 403 Forbidden" {
				t.Fatalf("unexpected error: %v", err)
			}
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("still accepted %v after the revocation", limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRevocationTakesEffectWithoutRestart(t *testing.T) {
	p := newTestPKI(t, "Home")
	srvLeaf := p.issue(t, leafOptions{cn: "localhost", server: true})
	alice := p.issue(t, leafOptions{cn: "alice", client: true})
	bob := p.issue(t, leafOptions{cn: "bob", client: true})
	revs := newRevocations()
	_, addr := newTestServer(t, ServerConfig{Certificate: srvLeaf.chain, Roots: p.roots, Intermediates: p.inters,
		ClientAuth: ClientAuthRequire, Revoked: revs.source}) // default RefreshInterval: 1s
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			client := alice
			if v.v == tls.VersionTLS13 {
				client = bob
			}
			cfg := clientConfig(p, v.v, client.chain)
			if _, _, err := fetch(addr, cfg, "/"); err != nil {
				t.Fatalf("before the revocation: %v", err)
			}
			revs.revoke(client.cert)
			took := waitRefused(t, addr, cfg, 3*time.Second)
			t.Logf("refused %v after the revocation", took.Round(time.Millisecond))
		})
	}
}

// TestResumedSessionRevoked resumes a session after its client certificate
// was revoked: VerifyConnection must see the resumed session and refuse it.
func TestResumedSessionRevoked(t *testing.T) {
	p := newTestPKI(t, "Home")
	srvLeaf := p.issue(t, leafOptions{cn: "localhost", server: true})
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			client := p.issue(t, leafOptions{cn: "resumer", client: true})
			revs := newRevocations()
			s, err := NewServer(ServerConfig{Certificate: srvLeaf.chain, Roots: p.roots, Intermediates: p.inters,
				ClientAuth: ClientAuthRequire, Revoked: revs.source, RefreshInterval: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			// Record what the Server's VerifyConnection sees and says.
			type call struct {
				resumed bool
				err     error
			}
			var mu sync.Mutex
			var calls []call
			cfg := s.TLSConfig().Clone()
			cfg.VerifyConnection = func(cs tls.ConnectionState) error {
				err := s.TLSConfig().VerifyConnection(cs)
				mu.Lock()
				calls = append(calls, call{cs.DidResume, err})
				mu.Unlock()
				return err
			}
			lastCall := func() call {
				mu.Lock()
				defer mu.Unlock()
				return calls[len(calls)-1]
			}
			addr, stop := serveHandshakes(t, cfg, []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"))
			defer stop()
			ccfg := clientConfig(p, v.v, client.chain)
			ccfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
			if _, cs, err := fetch(addr, ccfg, "/"); err != nil || cs.DidResume {
				t.Fatalf("first connection: resumed %v, %v", cs.DidResume, err)
			}
			if _, cs, err := fetch(addr, ccfg, "/"); err != nil || !cs.DidResume {
				t.Fatalf("second connection: resumed %v, %v; want a resumed session", cs.DidResume, err)
			}
			if c := lastCall(); !c.resumed || c.err != nil {
				t.Fatalf("VerifyConnection on the resumed session: resumed %v, %v", c.resumed, c.err)
			}
			revs.revoke(client.cert)
			deadline := time.Now().Add(3 * time.Second)
			for {
				_, _, err := fetch(addr, ccfg, "/")
				if err != nil {
					if !isRefusal(err, true) {
						t.Fatalf("resumed connection after the revocation: %v, want a refusal alert", err)
					}
					c := lastCall()
					if !c.resumed || !errors.Is(c.err, ErrRevoked) {
						t.Fatalf("VerifyConnection: resumed %v, %v; want a resumed session refused with ErrRevoked", c.resumed, c.err)
					}
					return
				}
				if c := lastCall(); !c.resumed {
					t.Fatalf("a connection after the revocation was not resumed")
				}
				if time.Now().After(deadline) {
					t.Fatal("the resumed session was still accepted 3s after the revocation")
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

func TestRevocationSourceFailure(t *testing.T) {
	p := newTestPKI(t, "Home")
	srvLeaf := p.issue(t, leafOptions{cn: "localhost", server: true})
	alice := p.issue(t, leafOptions{cn: "alice", client: true})
	mallory := p.issue(t, leafOptions{cn: "mallory", client: true})

	t.Run("never loaded: client certificates refused", func(t *testing.T) {
		revs := newRevocations()
		revs.setErr(errors.New("store locked"))
		s, err := NewServer(ServerConfig{Certificate: srvLeaf.chain, Roots: p.roots, Intermediates: p.inters,
			ClientAuth: ClientAuthRequire, Revoked: revs.source})
		if err != nil {
			t.Fatal(err)
		}
		cfg := clientConfig(p, tls.VersionTLS13, alice.chain)
		cfg.ServerName = "localhost"
		if err := serverHandshake(t, s, cfg); !errors.Is(err, ErrRevocationUnavailable) {
			t.Fatalf("handshake: %v, want ErrRevocationUnavailable", err)
		}
		// Once the source works again, clients get in without a restart.
		revs.setErr(nil)
		deadline := time.Now().Add(3 * time.Second)
		for serverHandshake(t, s, cfg) != nil {
			if time.Now().After(deadline) {
				t.Fatal("still refused 3s after the source recovered")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})

	t.Run("refresh errors keep the previous set", func(t *testing.T) {
		revs := newRevocations()
		revs.revoke(mallory.cert)
		_, addr := newTestServer(t, ServerConfig{Certificate: srvLeaf.chain, Roots: p.roots, Intermediates: p.inters,
			ClientAuth: ClientAuthRequire, Revoked: revs.source, RefreshInterval: 20 * time.Millisecond})
		if _, _, err := fetch(addr, clientConfig(p, tls.VersionTLS13, alice.chain), "/"); err != nil {
			t.Fatal(err)
		}
		revs.setErr(errors.New("store locked"))
		revs.mu.Lock()
		hits := revs.hits
		revs.mu.Unlock()
		time.Sleep(200 * time.Millisecond)
		if _, _, err := fetch(addr, clientConfig(p, tls.VersionTLS13, alice.chain), "/"); err != nil {
			t.Errorf("alice after refresh errors: %v", err)
		}
		if _, _, err := fetch(addr, clientConfig(p, tls.VersionTLS13, mallory.chain), "/"); !isRefusal(err, true) {
			t.Errorf("mallory after refresh errors: %v, want refused", err)
		}
		revs.mu.Lock()
		defer revs.mu.Unlock()
		if revs.hits < hits+3 {
			t.Errorf("the source was called %d times in 200ms of errors, want it retried every 20ms", revs.hits-hits)
		}
	})
}

func TestNewServerErrors(t *testing.T) {
	p := newTestPKI(t, "Home")
	srvLeaf := p.issue(t, leafOptions{cn: "localhost", server: true})
	revs := newRevocations()
	tests := []struct {
		name string
		cfg  ServerConfig
		want string
	}{
		{"no certificate", ServerConfig{}, "certificate is missing"},
		{"no key", ServerConfig{Certificate: tls.Certificate{Certificate: srvLeaf.chain.Certificate}}, "no private key"},
		{"garbage certificate", ServerConfig{Certificate: tls.Certificate{Certificate: [][]byte{{1, 2}}, PrivateKey: srvLeaf.key}}, "parsing certificate 0"},
		{"require without roots", ServerConfig{Certificate: srvLeaf.chain, ClientAuth: ClientAuthRequire, Revoked: revs.source}, "Roots"},
		{"request without revocation source", ServerConfig{Certificate: srvLeaf.chain, ClientAuth: ClientAuthRequest, Roots: p.roots}, "Revoked"},
		{"TLS 1.1", ServerConfig{Certificate: srvLeaf.chain, MinVersion: tls.VersionTLS11}, "not supported"},
		{"negative refresh", ServerConfig{Certificate: srvLeaf.chain, RefreshInterval: -time.Second}, "negative"},
		{"unknown client auth", ServerConfig{Certificate: srvLeaf.chain, ClientAuth: 7}, "unknown client auth"},
		{"key of another certificate", ServerConfig{Certificate: tls.Certificate{Certificate: srvLeaf.chain.Certificate, PrivateKey: newKey(t)}}, "does not belong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewServer(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "tlsendpoint: ") {
				t.Fatalf("NewServer: %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
	s, err := NewServer(ServerConfig{Certificate: srvLeaf.chain})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.TLSConfig().MinVersion; got != tls.VersionTLS12 {
		t.Errorf("default MinVersion %#x, want TLS 1.2", got)
	}
	if s.TLSConfig().SessionTicketsDisabled {
		t.Errorf("session tickets are disabled")
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]ClientAuth{"none": ClientAuthNone, "request": ClientAuthRequest, "require": ClientAuthRequire} {
		got, err := ParseClientAuth(in)
		if err != nil || got != want || got.String() != in {
			t.Errorf("ParseClientAuth(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "Require", "optional"} {
		if _, err := ParseClientAuth(in); err == nil {
			t.Errorf("ParseClientAuth(%q) succeeded", in)
		}
	}
	for in, want := range map[string]uint16{"1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13} {
		if got, err := ParseTLSVersion(in); err != nil || got != want {
			t.Errorf("ParseTLSVersion(%q) = %#x, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "1.1", "1.0", "tls1.3", "1.4"} {
		if _, err := ParseTLSVersion(in); err == nil {
			t.Errorf("ParseTLSVersion(%q) succeeded", in)
		}
	}
}

func TestResumption(t *testing.T) {
	p := newTestPKI(t, "Home")
	srvLeaf := p.issue(t, leafOptions{cn: "localhost", server: true})
	alice := p.issue(t, leafOptions{cn: "alice", client: true})
	revs := newRevocations()
	for _, auth := range []ClientAuth{ClientAuthNone, ClientAuthRequire} {
		_, addr := newTestServer(t, ServerConfig{Certificate: srvLeaf.chain, Roots: p.roots, Intermediates: p.inters,
			ClientAuth: auth, Revoked: revs.source})
		for _, v := range versions {
			t.Run(auth.String()+"/"+v.name, func(t *testing.T) {
				t.Run("tls.Dial with a session cache", func(t *testing.T) {
					cfg := clientConfig(p, v.v, alice.leafOnly())
					cfg.ClientSessionCache = tls.NewLRUClientSessionCache(1)
					for i, wantResumed := range []bool{false, true, true} {
						body, cs, err := fetch(addr, cfg, "/handshake.json")
						if err != nil {
							t.Fatalf("connection %d: %v", i, err)
						}
						var h handshakeInfo
						if err := json.Unmarshal(body, &h); err != nil {
							t.Fatal(err)
						}
						if cs.DidResume != wantResumed || h.Resumed != wantResumed {
							t.Errorf("connection %d: client says resumed %v, server %v; want %v", i, cs.DidResume, h.Resumed, wantResumed)
						}
						if auth == ClientAuthRequire && (h.ClientCertificate == nil || h.ClientCertificate.Serial != serialHex(alice.cert)) {
							t.Errorf("connection %d: client certificate %+v, want alice's", i, h.ClientCertificate)
						}
					}
				})
				t.Run("Probe with Resume", func(t *testing.T) {
					res, err := Probe(context.Background(), ProbeConfig{Address: addr, RootCAs: p.roots, MinVersion: v.v, MaxVersion: v.v,
						Certificates: []tls.Certificate{alice.chain}, Resume: true})
					if err != nil {
						t.Fatal(err)
					}
					if !res.Resumed || res.Outcome() != OutcomeOK || res.TLSVersion != tls.VersionName(v.v) {
						t.Errorf("resumed %v, outcome %s, version %s; error %q", res.Resumed, res.Outcome(), res.TLSVersion, res.Error)
					}
				})
			})
		}
	}
}

// TestCipherSuites: a TLS 1.2 client that offers only CBC suites is
// refused at the handshake (HTTP/2 forbids them, and an h2 client would
// get no page), and one that offers an ECDHE AEAD suite gets the page over
// h2.
func TestCipherSuites(t *testing.T) {
	p := newTestPKI(t, "Home")
	srvLeaf := p.issue(t, leafOptions{cn: "localhost", server: true})
	_, addr := newTestServer(t, ServerConfig{Certificate: srvLeaf.chain, Roots: p.roots, Intermediates: p.inters})
	cfg := clientConfig(p, tls.VersionTLS12)
	cfg.ServerName = "localhost"
	cfg.MaxVersion = tls.VersionTLS12
	cfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}
	if _, _, err := fetch(addr, cfg, "/handshake.json"); err == nil {
		t.Error("a TLS 1.2 client offering only CBC suites got the page")
	}
	cfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}
	if _, _, err := fetch(addr, cfg, "/handshake.json"); err != nil {
		t.Errorf("a TLS 1.2 client offering GCM: %v", err)
	}
	// And an h2 client over TLS 1.2 gets its page.
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}}
	resp, err := client.Get("https://" + addr + "/handshake.json")
	if err != nil {
		t.Fatalf("h2 over TLS 1.2: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 {
		t.Errorf("h2 over TLS 1.2: %s over %s, want 200 over HTTP/2", resp.Status, resp.Proto)
	}
}
