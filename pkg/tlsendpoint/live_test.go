package tlsendpoint

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"testing"
	"time"
)

// liveLimit is how long a test waits for a revocation to reach an open
// connection: the Server promises about one RefreshInterval (1s); the
// margin is for a loaded machine.
const liveLimit = 5 * time.Second

// dialLive opens one connection to addr with cfg, HTTP/2 or HTTP/1.1 only,
// through net/http's ClientConn: every request goes on that connection
// (kept alive), never on a new one.
func dialLive(t *testing.T, addr string, cfg *tls.Config, h2 bool) *http.ClientConn {
	t.Helper()
	tr := &http.Transport{TLSClientConfig: cfg.Clone(), Protocols: new(http.Protocols)}
	tr.Protocols.SetHTTP1(!h2)
	tr.Protocols.SetHTTP2(h2)
	ctx, cancel := context.WithTimeout(context.Background(), liveLimit)
	defer cancel()
	cc, err := tr.NewClientConn(ctx, "https", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

// getLive sends one request on cc and returns the status and protocol.
func getLive(cc *http.ClientConn, path string) (int, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), liveLimit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://localhost"+path, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := cc.RoundTrip(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, "", err
	}
	return resp.StatusCode, resp.Proto, nil
}

// waitClosed waits, sending nothing, until the server closes cc; it fails
// the test when cc is still usable liveLimit later.
func waitClosed(t *testing.T, cc *http.ClientConn) time.Duration {
	t.Helper()
	start := time.Now()
	for cc.Err() == nil {
		if time.Since(start) > liveLimit {
			t.Fatalf("the connection of the revoked client is still open %v after the revocation", liveLimit)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// TestRevocationClosesLiveConnections: a client that keeps its connection
// open (HTTP/1.1 keep-alive with TLS 1.2 and 1.3, HTTP/2) is disconnected
// once its certificate is revoked, without sending another request; the
// next request on that connection fails. Another client's connection stays
// open and served.
func TestRevocationClosesLiveConnections(t *testing.T) {
	p := newTestPKI(t, "Home")
	srvLeaf := p.issue(t, leafOptions{cn: "localhost", server: true})
	bystander := p.issue(t, leafOptions{cn: "bystander", client: true})
	revs := newRevocations()
	_, addr := newTestServer(t, ServerConfig{Certificate: srvLeaf.chain, Roots: p.roots, Intermediates: p.inters,
		ClientAuth: ClientAuthRequire, Revoked: revs.source}) // default RefreshInterval: 1s
	other := dialLive(t, addr, clientConfig(p, tls.VersionTLS13, bystander.chain), true)
	if st, _, err := getLive(other, "/handshake.json"); err != nil || st != http.StatusOK {
		t.Fatalf("bystander: %d, %v", st, err)
	}
	cases := []struct {
		name    string
		version uint16
		h2      bool
		proto   string
	}{
		{"HTTP1.1/TLS1.2", tls.VersionTLS12, false, "HTTP/1.1"},
		{"HTTP1.1/TLS1.3", tls.VersionTLS13, false, "HTTP/1.1"},
		{"HTTP2/TLS1.2", tls.VersionTLS12, true, "HTTP/2.0"},
		{"HTTP2/TLS1.3", tls.VersionTLS13, true, "HTTP/2.0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			client := p.issue(t, leafOptions{cn: "keeper", client: true})
			cc := dialLive(t, addr, clientConfig(p, c.version, client.chain), c.h2)
			for range 2 { // the same connection serves twice
				if st, proto, err := getLive(cc, "/handshake.json"); err != nil || st != http.StatusOK || proto != c.proto {
					t.Fatalf("before the revocation: %d %s, %v", st, proto, err)
				}
			}
			revs.revoke(client.cert)
			took := waitClosed(t, cc)
			t.Logf("closed %v after the revocation", took.Round(time.Millisecond))
			if st, _, err := getLive(cc, "/handshake.json"); err == nil {
				t.Fatalf("a request on the closed connection got %d", st)
			}
		})
	}
	if st, _, err := getLive(other, "/handshake.json"); err != nil || st != http.StatusOK {
		t.Fatalf("bystander after the revocations: %d, %v; its connection must stay served", st, err)
	}
}

// TestRevokedRequestRefused: with the closing of connections switched off,
// the check of each request alone keeps a revoked client from being
// served on its open connection: 403, and the connection is closed. A
// client without a certificate (client auth "request") is served.
func TestRevokedRequestRefused(t *testing.T) {
	p := newTestPKI(t, "Home")
	srvLeaf := p.issue(t, leafOptions{cn: "localhost", server: true})
	revs := newRevocations()
	s, err := NewServer(ServerConfig{Certificate: srvLeaf.chain, Roots: p.roots, Intermediates: p.inters,
		ClientAuth: ClientAuthRequest, Revoked: revs.source, RefreshInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s.revoked.onRefresh = nil // the second line alone
	addr := startServer(t, s)
	for _, h2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "HTTP1.1", true: "HTTP2"}[h2], func(t *testing.T) {
			client := p.issue(t, leafOptions{cn: "keeper", client: true})
			cc := dialLive(t, addr, clientConfig(p, tls.VersionTLS13, client.chain), h2)
			if st, _, err := getLive(cc, "/"); err != nil || st != http.StatusOK {
				t.Fatalf("before the revocation: %d, %v", st, err)
			}
			revs.revoke(client.cert)
			time.Sleep(200 * time.Millisecond) // a few RefreshIntervals
			if st, _, err := getLive(cc, "/"); err == nil && st != http.StatusForbidden {
				t.Fatalf("after the revocation: %d; want 403 (or a closed connection)", st)
			}
			waitClosed(t, cc)
		})
	}
	t.Run("no certificate", func(t *testing.T) {
		cc := dialLive(t, addr, clientConfig(p, tls.VersionTLS13), false)
		if st, _, err := getLive(cc, "/"); err != nil || st != http.StatusOK {
			t.Fatalf("a client without a certificate (client auth request): %d, %v", st, err)
		}
	})
}
