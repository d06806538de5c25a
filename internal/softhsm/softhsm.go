// Package softhsm makes SoftHSM2 tokens for tests: a softhsm2.conf whose
// token directory is a temporary directory, and a token initialised in it
// with softhsm2-util. Tests that need it skip when SoftHSM2 is not
// installed, and fail when CI=true (CI installs it).
package softhsm

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Module is where Debian's softhsm2 package puts the module.
const Module = "/usr/lib/softhsm/libsofthsm2.so"

// PIN and SOPIN are the PINs of the tokens Init makes.
const (
	PIN   = "1234"
	SOPIN = "5678"
)

// Available skips t when softhsm2-util or the module is missing, or fails
// it when CI=true.
func Available(t testing.TB) {
	t.Helper()
	_, err := exec.LookPath("softhsm2-util")
	if err == nil {
		_, err = os.Stat(Module)
	}
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("softhsm2 is not installed (%v); .ci/run must install softhsm2", err)
	}
	t.Skipf("softhsm2 is not installed (%v): apt-get install softhsm2 gnutls-bin to run the PKCS#11 tests", err)
}

// Conf writes a softhsm2.conf whose tokens live in dir/tokens and returns
// its path, for SOFTHSM2_CONF.
func Conf(dir string) (string, error) {
	tokens := filepath.Join(dir, "tokens")
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		return "", err
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	data := "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n"
	return conf, os.WriteFile(conf, []byte(data), 0o600)
}

// InitToken initialises a token labelled label in the SoftHSM2 of conf,
// with PIN and SOPIN.
func InitToken(conf, label string) error {
	cmd := exec.Command("softhsm2-util", "--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", SOPIN)
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+conf)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("softhsm2-util --init-token: %v\n%s", err, out)
	}
	return nil
}

// Setup checks Available, makes a SoftHSM2 in a temporary directory with
// a token labelled label, points SOFTHSM2_CONF of this process at it, and
// returns the directory and a file holding PIN.
func Setup(t *testing.T, label string) (dir, pinFile string) {
	t.Helper()
	Available(t)
	dir = t.TempDir()
	conf, err := Conf(dir)
	if err == nil {
		err = InitToken(conf, label)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	pinFile = filepath.Join(dir, "pin")
	if err := os.WriteFile(pinFile, []byte(PIN+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, pinFile
}
