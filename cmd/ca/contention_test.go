package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/store"
)

// TestLockTimeout holds the store from this process and checks that a ca
// process gives up after --lock-timeout with exit 7, a message that says
// what to do, and nothing written.
func TestLockTimeout(t *testing.T) {
	home := newTestHome(t)
	cases := []struct {
		name     string
		readOnly bool // the lock this test holds
		args     []string
	}{
		{"writer waits for a writer", false, []string{"intermediate", "create", "--name", "sub", "--cn", "Sub CA", "--no-passphrase"}},
		{"reader waits for a writer", false, []string{"audit", "head"}},
		{"backup waits for a writer", false, []string{"store", "backup", filepath.Join(t.TempDir(), "b.db")}},
		{"writer waits for a reader", true, []string{"intermediate", "create", "--name", "sub", "--cn", "Sub CA", "--no-passphrase"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			held, err := store.Open(filepath.Join(home, "ca.db"), store.Options{ReadOnly: c.readOnly, Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			before := digest(t, home)
			r := runCA(t, home, nil, append([]string{"--lock-timeout", "1s"}, c.args...)...)
			held.Close()
			if r.code != exitBusy {
				t.Fatalf("exit %d, want %d\n%s", r.code, exitBusy, r.stderr)
			}
			// bbolt polls the lock every 50ms; the process also has to start
			// (and intermediate create makes its key first). The bound is
			// generous, for a loaded machine: this checks behaviour (it gives
			// up soon after the timeout, not after minutes), not speed.
			if r.elapsed < time.Second || r.elapsed > 4*time.Second {
				t.Errorf("gave up after %v, want between 1s and 1.5s (+2.5s for starting the process on a busy machine)", r.elapsed)
			}
			for _, want := range []string{"ca: ", "in use by another ca process", "--lock-timeout"} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr %q does not say %q", r.stderr, want)
				}
			}
			if after := digest(t, home); after != before {
				t.Errorf("the home changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			storeCheck(t, home)
		})
	}
	t.Run("--lock-timeout 0 does not wait", func(t *testing.T) {
		held, err := store.Open(filepath.Join(home, "ca.db"), store.Options{Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer held.Close()
		r := runCA(t, home, nil, "--lock-timeout", "0", "audit", "head")
		if r.code != exitBusy || r.elapsed > 1500*time.Millisecond {
			t.Errorf("exit %d after %v, want %d at once\n%s", r.code, r.elapsed, exitBusy, r.stderr)
		}
	})
	t.Run("readers share the lock", func(t *testing.T) {
		held, err := store.Open(filepath.Join(home, "ca.db"), store.Options{ReadOnly: true, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer held.Close()
		r := runCA(t, home, nil, "--lock-timeout", "1s", "store", "check")
		if r.code != 0 {
			t.Fatalf("store check beside a reader: exit %d\n%s", r.code, r.stderr)
		}
	})
}

// TestParallelSigners runs many signing processes at once on one home: each
// waits for the store in turn and all succeed, with distinct serials and one
// audit record each.
func TestParallelSigners(t *testing.T) {
	home := newTestHome(t)
	const n = 8
	var wg sync.WaitGroup
	runs := make([]caRun, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i] = runCA(t, home, nil, "--lock-timeout", "2m", "-o", "json", "intermediate", "create",
				"--name", fmt.Sprintf("sub%d", i), "--cn", fmt.Sprintf("Sub CA %d", i), "--no-passphrase")
		}()
	}
	wg.Wait()
	for i, r := range runs {
		if r.code != 0 {
			t.Errorf("signer %d: exit %d\n%s", i, r.code, r.stderr)
		}
	}
	// Leaves from CSRs, signed at once by as many processes.
	reqs, certs := t.TempDir(), t.TempDir()
	var csrs []string
	for i := range n {
		csrs = append(csrs, makeCSR(t, reqs, fmt.Sprintf("csr%d.example.com", i)))
	}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i] = runCA(t, home, nil, "--lock-timeout", "2m", "sign", "csr", csrs[i], "--issuer", "sub0", "--out-dir", certs)
		}()
	}
	wg.Wait()
	for i, r := range runs {
		if r.code != 0 {
			t.Errorf("sign csr %d: exit %d\n%s", i, r.code, r.stderr)
		}
	}
	checkAfterCrash(t, home, []string{certs}, 0)
	leaves := 2 * n
	out := t.TempDir()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cn := fmt.Sprintf("host%d.example.com", i)
			runs[i] = runCA(t, home, nil, "--lock-timeout", "2m", "issue", "--issuer", "sub0",
				"--cn", cn, "--dns", cn, "--no-passphrase", "--out-dir", out)
		}()
	}
	wg.Wait()
	for i, r := range runs {
		if r.code != 0 {
			t.Errorf("ca issue %d: exit %d\n%s", i, r.code, r.stderr)
		}
	}
	storeCheck(t, home)
	st, err := store.Open(filepath.Join(home, "ca.db"), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	serials := map[string]bool{}
	err = st.Certificates(context.Background(), ca.Query{}, func(r *ca.CertRecord) error {
		s := ca.FormatSerial(r.Serial)
		if serials[s] {
			t.Errorf("serial %s recorded twice", s)
		}
		serials[s] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + n + leaves; len(serials) != want {
		t.Errorf("%d certificates recorded, want %d", len(serials), want)
	}
	sum, err := st.VerifyAudit("")
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + n + leaves; sum.Records != want {
		t.Errorf("%d audit records, want %d (one per change)", sum.Records, want)
	}
}

// TestIssueSameNameRace: two "ca issue" of one name into one directory,
// both past their first check of the files while the store is held: one
// writes its key and certificate, the other is refused (exit 5) once it
// holds the store, before it signs; the files on disk belong together.
func TestIssueSameNameRace(t *testing.T) {
	home := newTestHome(t)
	out := t.TempDir()
	held, err := store.Open(filepath.Join(home, "ca.db"), store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	type run struct {
		code   int
		stderr *bytes.Buffer
	}
	runs := make(chan run, 2)
	for range 2 {
		cmd, _, errb := caCmd(t, home, nil, "--lock-timeout", "1m", "issue", "--cn", "a.example.com", "--dns", "a.example.com",
			"--no-passphrase", "--out-dir", out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			err := cmd.Wait()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			runs <- run{code, errb}
		}()
	}
	time.Sleep(500 * time.Millisecond) // both are waiting for the store
	held.Close()
	codes := map[int]int{}
	for range 2 {
		r := <-runs
		codes[r.code]++
		if r.code == exitConflict && !strings.Contains(r.stderr.String(), "a.example.com.") {
			t.Errorf("the refused run does not name the file in its way: %s", r.stderr)
		}
	}
	if codes[0] != 1 || codes[exitConflict] != 1 {
		t.Fatalf("exit codes %v, want one 0 and one %d", codes, exitConflict)
	}
	keyPEM, err := os.ReadFile(filepath.Join(out, "a.example.com.key"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := pem.ParsePrivateKey(keyPEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.example.com.crt", "a.example.com.chain.pem"} {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		der, _, err := pem.Decode(data, pem.MaxSize, pem.TypeCertificate)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		if !key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(cert.PublicKey) {
			t.Errorf("%s holds a certificate for another key than a.example.com.key", name)
		}
	}
	// The refused run signed nothing: the store holds the root and one leaf.
	if r := mustCA(t, home, nil, "-o", "json", "list"); strings.Count(r.stdout, `"serial"`) != 2 {
		t.Errorf("ca list shows %d certificates, want 2 (the root and one leaf):\n%s", strings.Count(r.stdout, `"serial"`), r.stdout)
	}
	storeCheck(t, home)
}

// TestIntermediatePlaceTakenMeanwhile: when the directory of a new
// intermediate is made while the command waits for the store, it is
// refused (exit 5) once the store is held, before anything is signed.
func TestIntermediatePlaceTakenMeanwhile(t *testing.T) {
	home := newTestHome(t)
	held, err := store.Open(filepath.Join(home, "ca.db"), store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cmd, _, errb := caCmd(t, home, nil, "--lock-timeout", "1m", "intermediate", "create", "--name", "sub", "--cn", "Sub CA", "--no-passphrase")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // waiting for the store
	if err := os.Mkdir(filepath.Join(home, "issuers", "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	before := digest(t, home)
	held.Close()
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitConflict || !strings.Contains(errb.String(), "issuers/sub exists") {
		t.Fatalf("intermediate create: %v, want exit %d saying issuers/sub exists\n%s", err, exitConflict, errb)
	}
	if after := digest(t, home); after != before {
		t.Errorf("the home changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestBackupUnderWrites takes backups while other processes keep signing:
// every backup is a consistent store (it opens, passes the check, and its
// audit chain is a prefix of the live one).
func TestBackupUnderWrites(t *testing.T) {
	home := newTestHome(t)
	dir := t.TempDir()
	const writers, perWriter, backups = 2, 4, 6
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				name := fmt.Sprintf("w%di%d", w, i)
				r := runCA(t, home, nil, "--lock-timeout", "2m", "intermediate", "create", "--name", name, "--cn", name, "--no-passphrase")
				if r.code != 0 {
					t.Errorf("writer %s: exit %d\n%s", name, r.code, r.stderr)
				}
			}
		}()
	}
	var heads []string
	for b := range backups {
		file := filepath.Join(dir, fmt.Sprintf("b%d.db", b))
		r := runCA(t, home, nil, "--lock-timeout", "2m", "-o", "json", "store", "backup", file)
		if r.code != 0 {
			t.Fatalf("backup %d: exit %d\n%s", b, r.code, r.stderr)
		}
		st, err := store.Open(file, store.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if problems := st.Check(); len(problems) > 0 {
			t.Errorf("backup %d: %v", b, problems)
		}
		sum, err := st.VerifyAudit("")
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		heads = append(heads, sum.Head)
	}
	wg.Wait()
	storeCheck(t, home)
	// Every backup's head is a record of the live chain.
	for i, h := range heads {
		if r := runCA(t, home, nil, "audit", "verify", "--anchor", h); r.code != 0 {
			t.Errorf("backup %d's head %s is not in the live chain: %s", i, h, r.stderr)
		}
	}
}
