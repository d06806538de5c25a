//go:build linux

package main

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

// TestServeBrowser loads the page of a running "ca serve" (the real
// binary) in headless Chromium that trusts the home's root through a fresh
// NSS database, for an ECDSA and an RSA home, and keeps a screenshot in
// $CA_TEST_ARTIFACTS. SPEC.md: a browser that trusts the root connects
// without warnings.
func TestServeBrowser(t *testing.T) {
	serveRequireTool(t, "/usr/bin/chromium")
	certutil := serveRequireTool(t, "certutil")
	for _, kt := range []string{"ecdsa-p256", "rsa-2048"} {
		t.Run(kt, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "pki")
			serveRun(t, "ca", "--home", home, "init", "--cn", "Browser Root", "--org", "Example", "--country", "DE", "--key-type", kt, "--no-passphrase")
			serveRun(t, "ca", "--home", home, "intermediate", "create", "--name", "issuing", "--cn", "Browser Issuing CA", "--key-type", kt, "--no-passphrase")
			url := serveStartBinary(t, home, "--key-type", kt)

			browserHome := t.TempDir()
			nssdb := filepath.Join(browserHome, ".pki", "nssdb")
			if err := os.MkdirAll(nssdb, 0o700); err != nil {
				t.Fatal(err)
			}
			serveRun(t, certutil, "-d", "sql:"+nssdb, "-N", "--empty-password")
			serveRun(t, certutil, "-d", "sql:"+nssdb, "-A", "-n", "ca", "-t", "C,,", "-i", filepath.Join(home, "issuers", "root", "cert.pem"))

			// Control: a browser that does not trust the root must not show the page.
			if dom, err := serveChromium(t, t.TempDir(), "--dump-dom", url); err == nil && strings.Contains(dom, "ca serve: TLS test endpoint") {
				t.Fatalf("chromium showed the page without trusting the root:\n%s", dom)
			}
			dom, err := serveChromium(t, browserHome, "--dump-dom", url)
			if err != nil {
				t.Fatalf("chromium --dump-dom: %v\n%s", err, dom)
			}
			if !strings.Contains(dom, "ca serve: TLS test endpoint") || strings.Contains(dom, "ERR_CERT") {
				t.Fatalf("the page did not load (certificate error?):\n%s", dom)
			}
			if !strings.Contains(dom, `<td id="tls-version">TLS 1.3</td>`) {
				t.Errorf("the page shows no TLS 1.3:\n%s", dom)
			}
			if !strings.Contains(dom, "CN=Browser Issuing CA") {
				t.Errorf("the page does not show the chain:\n%s", dom)
			}

			artifacts := os.Getenv("CA_TEST_ARTIFACTS")
			if artifacts == "" {
				artifacts = t.TempDir()
			} else if err := os.MkdirAll(artifacts, 0o755); err != nil {
				t.Fatal(err)
			}
			shot := filepath.Join(artifacts, "ca-serve-browser-"+kt+".png")
			if out, err := serveChromium(t, browserHome, "--screenshot="+shot, "--window-size=1100,800", "--hide-scrollbars", url); err != nil {
				t.Fatalf("chromium --screenshot: %v\n%s", err, out)
			}
			if fi, err := os.Stat(shot); err != nil || fi.Size() == 0 {
				t.Fatalf("no screenshot at %s: %v", shot, err)
			}
			t.Logf("screenshot: %s", shot)
		})
	}
}

// serveChromium runs headless Chromium with HOME set to home and returns
// its stdout; it kills Chromium's whole process group when it returns.
func serveChromium(t *testing.T, home string, args ...string) (string, error) {
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
