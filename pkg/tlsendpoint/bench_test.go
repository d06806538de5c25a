package tlsendpoint

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// serveHandshakes accepts connections on a loopback listener, completes
// the handshake with cfg, writes reply (so that a TLS 1.3 client learns the
// verdict and receives its tickets) and closes. It returns the address and
// a stop function.
func serveHandshakes(tb testing.TB, cfg *tls.Config, reply []byte) (string, func()) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				tc := tls.Server(c, cfg)
				if tc.Handshake() == nil {
					tc.Write(reply)
					tc.Close()
				}
			})
		}
	})
	return ln.Addr().String(), func() { ln.Close(); wg.Wait() }
}

// handshakeOnce connects, handshakes, and reads the server's byte.
func handshakeOnce(addr string, cfg *tls.Config) (resumed bool, err error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return false, err
	}
	defer c.Close()
	tc := tls.Client(c, cfg)
	if err := tc.Handshake(); err != nil {
		return false, err
	}
	if _, err := io.ReadFull(tc, make([]byte, 1)); err != nil {
		return false, err
	}
	return tc.ConnectionState().DidResume, nil
}

// BenchmarkHandshake compares full and resumed mTLS handshakes (TLS 1.3,
// crypto/tls's defaults) over loopback: "bare" is crypto/tls verifying the
// client chain itself (RequireAndVerifyClientCert); "endpoint" is the
// Server's config with ClientAuthRequire and 10,000 revoked serials.
func BenchmarkHandshake(b *testing.B) {
	p := newTestPKI(b, "Bench")
	srvLeaf := p.issue(b, leafOptions{cn: "localhost", server: true})
	client := p.issue(b, leafOptions{cn: "bench-client", client: true})

	revoked := make(map[string]bool, 10000)
	for range 10000 {
		revoked[fmt.Sprintf("%x", newSerial(b).Bytes())] = true
	}
	s, err := NewServer(ServerConfig{Certificate: srvLeaf.chain, Roots: p.roots, Intermediates: p.inters,
		ClientAuth: ClientAuthRequire, Revoked: func(ctx context.Context) (map[string]bool, error) { return revoked, nil }})
	if err != nil {
		b.Fatal(err)
	}
	configs := []struct {
		name string
		cfg  *tls.Config
	}{
		{"bare", &tls.Config{Certificates: []tls.Certificate{srvLeaf.chain}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: p.roots}},
		{"endpoint", s.TLSConfig()},
	}
	for _, c := range configs {
		b.Run(c.name, func(b *testing.B) {
			addr, stop := serveHandshakes(b, c.cfg, []byte{1})
			defer stop()
			for _, mode := range []string{"full", "resumed"} {
				b.Run(mode, func(b *testing.B) {
					cfg := &tls.Config{RootCAs: p.roots, ServerName: "localhost", Certificates: []tls.Certificate{client.chain}}
					if mode == "resumed" {
						cfg.ClientSessionCache = tls.NewLRUClientSessionCache(1)
					}
					// Warm up: the first session, the revocation set.
					if _, err := handshakeOnce(addr, cfg); err != nil {
						b.Fatal(err)
					}
					b.ResetTimer()
					for b.Loop() {
						resumed, err := handshakeOnce(addr, cfg)
						if err != nil {
							b.Fatal(err)
						}
						if resumed != (mode == "resumed") {
							b.Fatalf("resumed %v in mode %s", resumed, mode)
						}
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
				})
			}
		})
	}
}
