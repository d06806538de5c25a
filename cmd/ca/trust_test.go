//go:build linux

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/internal/testtool"
)

// trustCA runs the ca binary with extra environment and returns its
// combined output and error.
func trustCA(t testing.TB, env []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ca", args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestTrustMissingTool: with certutil not on PATH, install names the NSS
// database and the tool, exits 1 and leaves the database as it was.
func TestTrustMissingTool(t *testing.T) {
	testtool.Require(t, "certutil")
	caPath, err := exec.LookPath("ca")
	if err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(t.TempDir(), "pki")
	serveRun(t, "ca", "--home", home, "init", "--cn", "Tool Root", "--no-passphrase")
	db := t.TempDir()
	serveRun(t, "certutil", "-N", "-d", "sql:"+db, "--empty-password")
	before := serveRun(t, "certutil", "-L", "-d", "sql:"+db)
	bin := t.TempDir()
	if err := os.Symlink(caPath, filepath.Join(bin, "ca")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, "ca"), "--home", home, "trust", "install", "--nss", db)
	cmd.Env = append(os.Environ(), "PATH="+bin)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1:\n%s", err, out)
	}
	want := "ca: NSS database sql:" + db + " needs certutil, which is not on PATH (Debian and Ubuntu: apt-get install libnss3-tools"
	if !strings.HasPrefix(string(out), want) {
		t.Errorf("message:\n%s\nwant it to start with:\n%s", out, want)
	}
	if after := serveRun(t, "certutil", "-L", "-d", "sql:"+db); after != before {
		t.Errorf("the database changed:\n%s", after)
	}
}

// TestTrustSystemStore installs the home's root into this machine's real
// Debian system store and a fresh ~/.pki/nssdb, and checks that curl and
// headless Chromium trust a running "ca serve" without being told about
// the root, then uninstalls and checks that both refuse again. It changes
// the machine, so it runs only in CI (CI=true, as root).
func TestTrustSystemStore(t *testing.T) {
	if os.Getenv("CI") != "true" {
		t.Skip("changes the system trust store: runs only with CI=true")
	}
	if os.Geteuid() != 0 {
		t.Skip("changes the system trust store: needs root")
	}
	testtool.Require(t, "curl")
	testtool.Require(t, "update-ca-certificates")
	home := filepath.Join(t.TempDir(), "pki")
	serveRun(t, "ca", "--home", home, "init", "--cn", "System Trust Root", "--org", "Example", "--no-passphrase")
	serveRun(t, "ca", "--home", home, "intermediate", "create", "--name", "issuing", "--cn", "System Trust Issuing", "--no-passphrase")
	url := serveStartBinary(t, home)
	curl := func() error {
		_, err := trustTool(t, "curl", "-sS", "--fail", "--max-time", "20", url+"handshake.json")
		return err
	}
	if curl() == nil {
		t.Fatal("curl trusted the server before install")
	}
	t.Cleanup(func() { trustCA(t, nil, "--home", home, "trust", "uninstall", "--system") })
	if out, err := trustCA(t, nil, "--home", home, "trust", "install", "--system"); err != nil {
		t.Fatalf("trust install --system: %v\n%s", err, out)
	}
	if out, _ := trustCA(t, nil, "--home", home, "trust", "status", "--system", "-o", "json"); !strings.Contains(out, `"trusted": true`) {
		t.Errorf("status after install:\n%s", out)
	}
	if err := curl(); err != nil {
		t.Errorf("curl does not trust the server after install: %v", err)
	}
	trustChromium(t, home, url)
	if out, err := trustCA(t, nil, "--home", home, "trust", "uninstall", "--system"); err != nil {
		t.Fatalf("trust uninstall --system: %v\n%s", err, out)
	}
	if curl() == nil {
		t.Error("curl still trusts the server after uninstall")
	}
}

// trustChromium: Chromium on Linux trusts what ~/.pki/nssdb trusts, so
// install --nss into a fresh HOME's database, load the page, uninstall,
// and check the page is refused again.
func trustChromium(t *testing.T, home, url string) {
	testtool.Require(t, testtool.ChromiumPath)
	browserHome := t.TempDir()
	nssdb := filepath.Join(browserHome, ".pki", "nssdb")
	if err := os.MkdirAll(nssdb, 0o700); err != nil {
		t.Fatal(err)
	}
	serveRun(t, "certutil", "-N", "-d", "sql:"+nssdb, "--empty-password")
	env := []string{"HOME=" + browserHome}
	if out, err := trustCA(t, env, "--home", home, "trust", "install", "--nss"); err != nil || !strings.Contains(out, nssdb) {
		t.Fatalf("trust install --nss: %v\n%s", err, out)
	}
	dom, err := testtool.Chromium(t, browserHome, "--dump-dom", url)
	if err != nil || !strings.Contains(dom, "ca serve: TLS test endpoint") || strings.Contains(dom, "ERR_CERT") {
		t.Fatalf("chromium did not load the page after install: %v\n%s", err, dom)
	}
	if out, err := trustCA(t, env, "--home", home, "trust", "uninstall", "--nss"); err != nil {
		t.Fatalf("trust uninstall --nss: %v\n%s", err, out)
	}
	fresh := filepath.Join(browserHome, "again") // a new profile: no cached decision
	if err := os.MkdirAll(filepath.Join(fresh, ".pki"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(nssdb, filepath.Join(fresh, ".pki", "nssdb")); err != nil {
		t.Fatal(err)
	}
	if dom, err := testtool.Chromium(t, fresh, "--dump-dom", url); err == nil && strings.Contains(dom, "ca serve: TLS test endpoint") {
		t.Fatalf("chromium still loads the page after uninstall:\n%s", dom)
	}
}

func trustTool(t testing.TB, name string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}
