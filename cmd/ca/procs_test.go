package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The tests in this file's siblings (contention, crash, faults) run the ca
// binary as separate processes: testscript.Main puts the test binary on PATH
// under the name "ca".

// caPath returns the ca binary on PATH.
func caPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("ca")
	if err != nil {
		t.Fatalf("ca is not on PATH (testscript.Main puts it there): %v", err)
	}
	return p
}

// caRun is the result of one ca process.
type caRun struct {
	stdout, stderr string
	code           int // -1 when killed by a signal
	elapsed        time.Duration
}

// caCmd returns an exec.Cmd running ca with args in home, with env added.
func caCmd(t *testing.T, home string, env []string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(caPath(t), append([]string{"--home", home}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	return cmd, &out, &errb
}

// runCA runs ca to the end.
func runCA(t *testing.T, home string, env []string, args ...string) caRun {
	t.Helper()
	cmd, out, errb := caCmd(t, home, env, args...)
	start := time.Now()
	err := cmd.Run()
	r := caRun{stdout: out.String(), stderr: errb.String(), elapsed: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("run ca %v: %v", args, err)
	}
	return r
}

// mustCA runs ca and fails the test unless it exits 0.
func mustCA(t *testing.T, home string, env []string, args ...string) caRun {
	t.Helper()
	r := runCA(t, home, env, args...)
	if r.code != 0 {
		t.Fatalf("ca %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// newTestHome makes a home with an unencrypted root in a temp dir.
func newTestHome(t *testing.T, extra ...string) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "pki")
	mustCA(t, home, nil, append([]string{"init", "--cn", "Test Root", "--org", "Example", "--country", "DE", "--no-passphrase"}, extra...)...)
	return home
}

// digest lists every file under dir with its mode and content hash, like the
// scripts' snap command.
func digest(t *testing.T, dir string) string {
	t.Helper()
	d, err := treeDigest(dir)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// storeCheck runs "ca store check" and fails the test unless it passes.
func storeCheck(t *testing.T, home string) caRun {
	t.Helper()
	r := runCA(t, home, nil, "store", "check")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "store OK: ") {
		t.Fatalf("ca store check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	return r
}

// makeCSR makes a key and a CSR for cn (a DNS SAN too) in dir with
// "ca csr create" and returns the CSR's path.
func makeCSR(t *testing.T, dir, cn string) string {
	t.Helper()
	out := filepath.Join(dir, cn+".csr")
	mustCA(t, filepath.Join(dir, "no-home"), nil, "csr", "create", "--cn", cn, "--dns", cn, "--org", "Example", "--country", "DE",
		"--key-out", filepath.Join(dir, cn+".key"), "--out", out, "--no-passphrase")
	return out
}
