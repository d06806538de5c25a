// Package testtool finds the outside tools tests use as judges (openssl,
// curl, certtool, certutil, Chromium) and runs headless Chromium with a
// root trusted through an NSS database. A missing tool skips the test on a
// developer's machine and fails it when CI=true, so CI always runs it.
// Only tests import it.
package testtool

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Require returns the path of the tool name (a name on PATH or an absolute
// path). Without it the test is skipped, or fails when CI=true.
func Require(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed (CI=true, so this is a failure; .ci/run installs it): %v", name, err)
		}
		t.Skipf("%s is not installed: %v", name, err)
	}
	return p
}

// ChromiumPath is where Debian's chromium package installs the browser.
const ChromiumPath = "/usr/bin/chromium"

// TrustingHome returns a new HOME for Chromium whose NSS database trusts
// the root certificate in rootPEM (a file) for TLS servers.
func TrustingHome(t testing.TB, rootPEM string) string {
	t.Helper()
	certutil := Require(t, "certutil")
	home := t.TempDir()
	nssdb := filepath.Join(home, ".pki", "nssdb")
	if err := os.MkdirAll(nssdb, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-d", "sql:" + nssdb, "-N", "--empty-password"},
		{"-d", "sql:" + nssdb, "-A", "-n", "ca", "-t", "C,,", "-i", rootPEM},
	} {
		if out, err := exec.Command(certutil, args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	return home
}

// Chromium runs headless Chromium (with the flags this closed network
// needs) with HOME set to home and returns its stdout. It kills Chromium's
// whole process group when it returns, and gives up after 60 s.
func Chromium(t testing.TB, home string, args ...string) (string, error) {
	t.Helper()
	Require(t, ChromiumPath)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + filepath.Join(home, "chromium-profile")}
	cmd := exec.CommandContext(ctx, ChromiumPath, append(base, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+home)
	OwnGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return "", err
	}
	defer KillGroup(cmd) // helpers left behind
	err := cmd.Wait()
	if err != nil {
		t.Logf("chromium stderr:\n%s", stderr.String())
	}
	return stdout.String(), err
}
