package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/store"
)

// BenchmarkServeHandshake measures HTTPS requests on new connections (a
// full or a resumed mTLS handshake each, TLS 1.3, HTTP/1.1) against the
// real "ca serve" binary with --client-auth require, revocation read from
// a home with 1,000 revoked certificates, and against a bare crypto/tls +
// net/http server, also a process of its own, with the same certificates
// (RequireAndVerifyClientCert, HTTP/2 offered, a small JSON answer). It reports both rates and serve/bare, the
// ratio measured in the same run.
func BenchmarkServeHandshake(b *testing.B) {
	dir := b.TempDir()
	home := filepath.Join(dir, "pki")
	serveRun(b, "ca", "--home", home, "init", "--cn", "Bench Root", "--org", "Example", "--country", "DE", "--no-passphrase")
	serveRun(b, "ca", "--home", home, "intermediate", "create", "--name", "issuing", "--cn", "Bench Issuing", "--no-passphrase")
	srv := serveTestLeaf{home: home, profile: "server", dns: []string{"localhost"}, validity: 24 * time.Hour, cn: "localhost"}
	client := serveTestLeaf{home: home, profile: "client", validity: 24 * time.Hour, cn: "bench-client"}
	for _, l := range []struct {
		leaf   serveTestLeaf
		prefix string
	}{{srv, "srv"}, {client, "client"}} {
		if _, err := l.leaf.issue(filepath.Join(dir, l.prefix)); err != nil {
			b.Fatal(err)
		}
	}
	if err := revokeMany(home, 1000); err != nil {
		b.Fatal(err)
	}
	clientCert, err := tls.LoadX509KeyPair(filepath.Join(dir, "client.chain.pem"), filepath.Join(dir, "client.key"))
	if err != nil {
		b.Fatal(err)
	}
	roots := x509.NewCertPool()
	rootPEM, err := os.ReadFile(filepath.Join(home, "issuers", "root", "cert.pem"))
	if err != nil {
		b.Fatal(err)
	}
	rootCerts, err := ca.ParseChainFile("root cert.pem", rootPEM)
	if err != nil {
		b.Fatal(err)
	}
	roots.AddCert(rootCerts[0])

	bareURL := startBareServer(b, dir, filepath.Join(dir, "srv.chain.pem"), filepath.Join(dir, "srv.key"), filepath.Join(home, "issuers", "root", "cert.pem"))
	serveURL := serveStartBinary(b, home, "--cert", filepath.Join(dir, "srv.chain.pem"), "--key", filepath.Join(dir, "srv.key"), "--client-auth", "require")

	targets := []string{bareURL + "handshake.json", serveURL + "handshake.json"}
	for _, mode := range []string{"full", "resumed"} {
		b.Run(mode, func(b *testing.B) {
			// Requests alternate between the two servers, so that the load
			// of the machine weighs on both alike.
			var clients [2]*http.Client
			for i := range clients {
				cfg := &tls.Config{RootCAs: roots, ServerName: "localhost", Certificates: []tls.Certificate{clientCert}}
				if mode == "resumed" {
					cfg.ClientSessionCache = tls.NewLRUClientSessionCache(1)
				}
				clients[i] = &http.Client{Transport: &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}, Timeout: 10 * time.Second}
				benchGet(b, clients[i], targets[i]) // the first session; serve's first revocation set
			}
			var spent [2]time.Duration
			for b.Loop() {
				for i := range clients {
					start := time.Now()
					if resumed := benchGet(b, clients[i], targets[i]); resumed != (mode == "resumed") {
						b.Fatalf("%s: resumed %v in mode %s", targets[i], resumed, mode)
					}
					spent[i] += time.Since(start)
				}
			}
			bareRate, serveRate := float64(b.N)/spent[0].Seconds(), float64(b.N)/spent[1].Seconds()
			b.ReportMetric(bareRate, "bare-handshakes/s")
			b.ReportMetric(serveRate, "serve-handshakes/s")
			b.ReportMetric(serveRate/bareRate, "serve/bare")
		})
	}
}

// benchGet makes one request on a new connection and tells whether its
// TLS session was resumed.
func benchGet(b *testing.B, hc *http.Client, url string) bool {
	resp, err := hc.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s: %s", url, resp.Status)
	}
	return resp.TLS.DidResume
}

// revokeMany records and revokes n certificates of the home's default
// issuer in two transactions, so that serve's revocation set is not empty.
func revokeMany(home string, n int) error {
	return withTestStore(home, func(st *store.Bolt) error {
		iss, _, err := newTestIssuer(st, home, "", nil)
		if err != nil {
			return err
		}
		key, err := pem.GenerateKey(pem.ECDSAP256)
		if err != nil {
			return err
		}
		issued := make([]*ca.Issued, 0, n)
		for range n {
			c, err := iss.SignLeaf(ca.Leaf{PublicKey: key.Public(), Profile: ca.ProfileClient, Validity: time.Hour})
			if err != nil {
				return err
			}
			issued = append(issued, c)
		}
		ctx := context.Background()
		if _, err := ca.Record(ctx, st, issued); err != nil {
			return err
		}
		serials := make([]*big.Int, len(issued))
		for i, c := range issued {
			serials[i] = c.Cert.SerialNumber
		}
		_, err = ca.Revoke(ctx, st, serials, ca.ReasonSuperseded, time.Time{}, time.Now())
		return err
	})
}

// bareServer is the baseline of BenchmarkServeHandshake: crypto/tls and
// net/http with their defaults and Go's own client certificate check.
const bareServer = `package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

func main() {
	cert, err := tls.LoadX509KeyPair(os.Args[1], os.Args[2])
	if err != nil {
		panic(err)
	}
	rootPEM, err := os.ReadFile(os.Args[3])
	if err != nil {
		panic(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(rootPEM)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &http.Server{
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: roots},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"tlsVersion": tls.VersionName(r.TLS.Version), "resumed": r.TLS.DidResume,
				"clientCertificate": r.TLS.PeerCertificates[0].Subject.String()})
		}),
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
	url := "https://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port) + "/"
	if err := os.WriteFile(os.Args[4], []byte(url+"\n"), 0o644); err != nil {
		panic(err)
	}
	if err := srv.ServeTLS(ln, "", ""); err != http.ErrServerClosed {
		panic(err)
	}
}
`

// startBareServer builds bareServer in dir and starts it with the server
// certificate and the root of the home.
func startBareServer(b *testing.B, dir, certFile, keyFile, rootFile string) string {
	src, bin := filepath.Join(dir, "bare.go"), filepath.Join(dir, "bare")
	if err := os.WriteFile(src, []byte(bareServer), 0o600); err != nil {
		b.Fatal(err)
	}
	serveRun(b, "go", "build", "-o", bin, src)
	ready := filepath.Join(dir, "bare.ready")
	return startWithReadyFile(b, ready, bin, certFile, keyFile, rootFile, ready)
}
