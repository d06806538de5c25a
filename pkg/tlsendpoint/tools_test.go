package tlsendpoint

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/internal/testtool"
)

// run runs an outside tool with a timeout and returns its combined output.
func run(t *testing.T, stdin string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestCurl(t *testing.T) {
	curl := testtool.Require(t, "curl")
	p := newTestPKI(t, "Home")
	srvLeaf := p.issue(t, leafOptions{cn: "localhost", server: true})
	alice := p.issue(t, leafOptions{cn: "alice", client: true})
	revs := newRevocations()
	_, addr := newTestServer(t, ServerConfig{Certificate: srvLeaf.chain, Roots: p.roots, Intermediates: p.inters,
		ClientAuth: ClientAuthRequire, Revoked: revs.source, CAPEM: p.rootPEM})
	dir := t.TempDir()
	rootPath := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(rootPath, p.rootPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	certPath, keyPath := writeLeafFiles(t, dir, "client", alice)

	out, err := run(t, "", curl, "-sS", "--fail", "--max-time", "20", "--cacert", rootPath, "--cert", certPath, "--key", keyPath,
		"https://"+addr+"/handshake.json")
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	var h handshakeInfo
	if err := json.Unmarshal([]byte(out), &h); err != nil {
		t.Fatalf("curl's output is not the handshake JSON: %v\n%s", err, out)
	}
	if h.ClientCertificate == nil || h.ClientCertificate.Serial != serialHex(alice.cert) || !strings.HasPrefix(h.TLSVersion, "TLS 1.") {
		t.Errorf("handshake seen by curl: %+v", h)
	}
	t.Logf("curl: %s, %s, ALPN %q", h.TLSVersion, h.CipherSuite, h.ALPN)

	// Without a client certificate curl must fail.
	if out, err := run(t, "", curl, "-sS", "--fail", "--max-time", "20", "--cacert", rootPath, "https://"+addr+"/handshake.json"); err == nil {
		t.Errorf("curl without a client certificate succeeded:\n%s", out)
	}
}

func TestOpenSSLSClient(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	p := newTestPKI(t, "Home")
	srvLeaf := p.issue(t, leafOptions{cn: "localhost", server: true})
	alice := p.issue(t, leafOptions{cn: "alice", client: true})
	revs := newRevocations()
	dir := t.TempDir()
	rootPath := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(rootPath, p.rootPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	certPath, keyPath := writeLeafFiles(t, dir, "client", alice)
	for _, auth := range []ClientAuth{ClientAuthNone, ClientAuthRequire} {
		_, addr := newTestServer(t, ServerConfig{Certificate: srvLeaf.chain, Roots: p.roots, Intermediates: p.inters,
			ClientAuth: auth, Revoked: revs.source})
		for _, v := range []struct{ flag, name string }{{"-tls1_2", "TLSv1.2"}, {"-tls1_3", "TLSv1.3"}} {
			t.Run(auth.String()+"/"+v.name, func(t *testing.T) {
				sess := filepath.Join(t.TempDir(), "session.pem")
				args := []string{"s_client", "-connect", addr, "-servername", "localhost", "-CAfile", rootPath,
					"-verify_return_error", v.flag, "-ign_eof"}
				if auth != ClientAuthNone {
					args = append(args, "-cert", certPath, "-key", keyPath)
				}
				// A request makes the server answer and close, so that
				// s_client reads the TLS 1.3 session ticket and exits.
				req := "GET /handshake.json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
				for i, want := range []string{"New, " + v.name, "Reused, " + v.name} {
					sessArg := []string{"-sess_out", sess}
					if i > 0 {
						sessArg = []string{"-sess_in", sess}
					}
					out, err := run(t, req, openssl, append(args, sessArg...)...)
					if err != nil {
						t.Fatalf("openssl s_client (run %d): %v\n%s", i+1, err, out)
					}
					if !strings.Contains(out, want) || !strings.Contains(out, "Verify return code: 0 (ok)") || !strings.Contains(out, `"tlsVersion"`) {
						t.Fatalf("run %d: want %q and a verified chain:\n%s", i+1, want, out)
					}
					if i > 0 && !strings.Contains(out, `"resumed": true`) {
						t.Errorf("run %d: the server does not report the resumption:\n%s", i+1, out)
					}
				}
			})
		}
	}
}
