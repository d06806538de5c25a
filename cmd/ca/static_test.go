package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestStaticBuildRefusesKeyURI builds ca as "make build-static" does
// (CGO_ENABLED=0) and checks that it meets an issuer key on a token with
// exit 1 and a message saying this binary has no PKCS#11 support, writing
// nothing; --key-uri on init is refused the same way.
func TestStaticBuildRefusesKeyURI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ca")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "ca-static")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
	home := filepath.Join(dir, "pki")
	run := func(want int, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--home", home}, args...)...)
		cmd.Dir = dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		got := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			got = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("ca %s: exit %d, want %d\n%s", strings.Join(args, " "), got, want, stderr.String())
		}
		return stderr.String()
	}
	const uri = "pkcs11:token=T;object=root;type=private?pin-source=file:/nonexistent"
	msg := run(1, "init", "--cn", "R", "--key-uri", uri)
	if !strings.Contains(msg, "built without PKCS#11 support (CGO_ENABLED=0)") {
		t.Fatalf("init --key-uri: %s", msg)
	}
	if _, err := os.Stat(home); err == nil {
		t.Fatal("init --key-uri made a home")
	}
	run(0, "init", "--cn", "R", "--no-passphrase")
	run(0, "csr", "create", "--cn", "www.example.com", "--dns", "www.example.com", "--key-out", "www.key", "--out", "www.csr", "--no-passphrase")
	issuer := filepath.Join(home, "issuers", "root")
	if err := os.Remove(filepath.Join(issuer, "key.pem")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(issuer, "key.uri"), []byte(uri+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	msg = run(1, "sign", "csr", "www.csr", "--out", "www.crt")
	if !strings.Contains(msg, "issuer root: its key is on a token") || !strings.Contains(msg, "built without PKCS#11 support (CGO_ENABLED=0)") {
		t.Fatalf("sign csr with key.uri: %s", msg)
	}
	if _, err := os.Stat(filepath.Join(dir, "www.crt")); err == nil {
		t.Fatal("sign csr wrote www.crt")
	}
}
