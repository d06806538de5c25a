//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/internal/testtool"
)

// TestServeBrowser loads the page of a running "ca serve" (the real
// binary) in headless Chromium that trusts the home's root through a fresh
// NSS database, for an ECDSA and an RSA home, and keeps a screenshot in
// $CA_TEST_ARTIFACTS. SPEC.md: a browser that trusts the root connects
// without warnings.
func TestServeBrowser(t *testing.T) {
	testtool.Require(t, testtool.ChromiumPath)
	for _, kt := range []string{"ecdsa-p256", "rsa-2048"} {
		t.Run(kt, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "pki")
			serveRun(t, "ca", "--home", home, "init", "--cn", "Browser Root", "--org", "Example", "--country", "DE", "--key-type", kt, "--no-passphrase")
			serveRun(t, "ca", "--home", home, "intermediate", "create", "--name", "issuing", "--cn", "Browser Issuing CA", "--key-type", kt, "--no-passphrase")
			url := serveStartBinary(t, home, "--key-type", kt)

			browserHome := testtool.TrustingHome(t, filepath.Join(home, "issuers", "root", "cert.pem"))

			// Control: a browser that does not trust the root must not show the page.
			if dom, err := testtool.Chromium(t, t.TempDir(), "--dump-dom", url); err == nil && strings.Contains(dom, "ca serve: TLS test endpoint") {
				t.Fatalf("chromium showed the page without trusting the root:\n%s", dom)
			}
			dom, err := testtool.Chromium(t, browserHome, "--dump-dom", url)
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
			if out, err := testtool.Chromium(t, browserHome, "--screenshot="+shot, "--window-size=1100,800", "--hide-scrollbars", url); err != nil {
				t.Fatalf("chromium --screenshot: %v\n%s", err, out)
			}
			if fi, err := os.Stat(shot); err != nil || fi.Size() == 0 {
				t.Fatalf("no screenshot at %s: %v", shot, err)
			}
			t.Logf("screenshot: %s", shot)
		})
	}
}
