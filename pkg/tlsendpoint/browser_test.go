//go:build linux

package tlsendpoint

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// requireFile is requireTool for a fixed path.
func requireFile(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (CI=true, so this is a failure): %v", path, err)
		}
		t.Skipf("%s is missing: %v", path, err)
	}
}

// chromium runs headless Chromium with HOME set to home and returns its
// stdout. It kills Chromium's whole process group when it returns.
func chromium(t *testing.T, home string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + filepath.Join(home, "chromium-profile")}
	cmd := exec.CommandContext(ctx, "/usr/bin/chromium", append(base, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+home)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return "", err
	}
	defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // helpers left behind
	err := cmd.Wait()
	if err != nil {
		t.Logf("chromium stderr:\n%s", stderr.String())
	}
	return stdout.String(), err
}

// TestBrowser opens the endpoint's page in headless Chromium that trusts
// the test root through an NSS database, as a user's browser would.
func TestBrowser(t *testing.T) {
	requireFile(t, "/usr/bin/chromium")
	certutil := requireTool(t, "certutil")

	p := newTestPKI(t, "Browser") // ECDSA P-256 chain
	srvLeaf := p.issue(t, leafOptions{cn: "localhost", server: true})
	_, addr := newTestServer(t, ServerConfig{Certificate: srvLeaf.chain, CAPEM: p.rootPEM})
	url := "https://localhost:" + port(addr) + "/"

	home := t.TempDir()
	nssdb := filepath.Join(home, ".pki", "nssdb")
	if err := os.MkdirAll(nssdb, 0o700); err != nil {
		t.Fatal(err)
	}
	rootPath := filepath.Join(home, "root.pem")
	if err := os.WriteFile(rootPath, p.rootPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, "", certutil, "-d", "sql:"+nssdb, "-N", "--empty-password"); err != nil {
		t.Fatalf("certutil -N: %v\n%s", err, out)
	}
	if out, err := run(t, "", certutil, "-d", "sql:"+nssdb, "-A", "-n", "ca", "-t", "C,,", "-i", rootPath); err != nil {
		t.Fatalf("certutil -A: %v\n%s", err, out)
	}

	// Control: without the root in its NSS database the browser must not
	// show the page, or the checks below would prove nothing.
	untrusting := t.TempDir()
	if dom, err := chromium(t, untrusting, "--dump-dom", url); err == nil && strings.Contains(dom, "ca serve: TLS test endpoint") {
		t.Fatalf("chromium showed the page without trusting the root:\n%s", dom)
	}

	dom, err := chromium(t, home, "--dump-dom", url)
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
	if out, err := chromium(t, home, "--screenshot="+shot, "--window-size=1100,800", "--hide-scrollbars", url); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	if fi, err := os.Stat(shot); err != nil || fi.Size() == 0 {
		t.Fatalf("no screenshot at %s: %v", shot, err)
	}
	t.Logf("screenshot: %s", shot)
}
