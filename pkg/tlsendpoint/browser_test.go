//go:build linux

package tlsendpoint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/internal/testtool"
)

// TestBrowser opens the endpoint's page in headless Chromium that trusts
// the test root through an NSS database, as a user's browser would.
func TestBrowser(t *testing.T) {
	testtool.Require(t, testtool.ChromiumPath)

	p := newTestPKI(t, "Browser") // ECDSA P-256 chain
	srvLeaf := p.issue(t, leafOptions{cn: "localhost", server: true})
	_, addr := newTestServer(t, ServerConfig{Certificate: srvLeaf.chain, CAPEM: p.rootPEM})
	url := "https://localhost:" + port(addr) + "/"

	rootPath := filepath.Join(t.TempDir(), "root.pem")
	if err := os.WriteFile(rootPath, p.rootPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	home := testtool.TrustingHome(t, rootPath)

	// Control: without the root in its NSS database the browser must not
	// show the page, or the checks below would prove nothing.
	untrusting := t.TempDir()
	if dom, err := testtool.Chromium(t, untrusting, "--dump-dom", url); err == nil && strings.Contains(dom, "ca serve: TLS test endpoint") {
		t.Fatalf("chromium showed the page without trusting the root:\n%s", dom)
	}

	dom, err := testtool.Chromium(t, home, "--dump-dom", url)
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v\n%s", err, dom)
	}
	if !strings.Contains(dom, "ca serve: TLS test endpoint") {
		t.Fatalf("the page did not load (certificate error?):\n%s", dom)
	}
	for _, bad := range []string{"ERR_CERT", "NET::ERR", "Your connection is not private"} {
		if strings.Contains(dom, bad) {
			t.Fatalf("certificate error %q in the page:\n%s", bad, dom)
		}
	}
	if !strings.Contains(dom, `<td id="tls-version">TLS 1.3</td>`) && !strings.Contains(dom, `<td id="tls-version">TLS 1.2</td>`) {
		t.Errorf("the page shows no TLS version:\n%s", dom)
	}
	if !strings.Contains(dom, `<td id="alpn">h2</td>`) {
		t.Errorf("the browser did not negotiate h2:\n%s", dom)
	}

	artifacts := os.Getenv("CA_TEST_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	} else if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(artifacts, "tlsendpoint-browser.png")
	if out, err := testtool.Chromium(t, home, "--screenshot="+shot, "--window-size=1100,800", "--hide-scrollbars", url); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	if fi, err := os.Stat(shot); err != nil || fi.Size() == 0 {
		t.Fatalf("no screenshot at %s: %v", shot, err)
	}
	t.Logf("screenshot: %s", shot)
}
