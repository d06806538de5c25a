package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	stdpem "encoding/pem"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/store"
)

// TestCrashRandomKill runs signing processes and kills them with SIGKILL at
// random instants, round after round, checking the home after each round:
// the store check passes, no serial is recorded twice, every certificate
// file that exists is whole, verifies and is recorded, and certificates
// recorded without a file are no more than the processes killed.
func TestCrashRandomKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kill loop: not in -short")
	}
	home := newTestHome(t)
	out, reqs := t.TempDir(), t.TempDir()
	const rounds, procs = 20, 4
	var csrs []string
	for round := range rounds {
		csrs = append(csrs, makeCSR(t, reqs, fmt.Sprintf("s%d.example.com", round)))
	}
	killed := 0
	for round := range rounds {
		var cmds []*exec.Cmd
		var errs []*bytes.Buffer
		for p := range procs {
			// Intermediates, a signed CSR, and an issued key and
			// certificate: one certificate per process.
			args := []string{"--lock-timeout", "1m", "intermediate", "create", "--name", fmt.Sprintf("r%dp%d", round, p),
				"--cn", fmt.Sprintf("Round %d CA %d", round, p), "--no-passphrase"}
			switch {
			case p == 2:
				args = []string{"--lock-timeout", "1m", "sign", "csr", csrs[round], "--issuer", "root", "--out-dir", out}
			case p == 3:
				cn := fmt.Sprintf("r%d.example.com", round)
				args = []string{"--lock-timeout", "1m", "issue", "--issuer", "root", "--cn", cn, "--dns", cn, "--no-passphrase", "--out-dir", out}
			}
			cmd, _, errb := caCmd(t, home, nil, args...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			cmds, errs = append(cmds, cmd), append(errs, errb)
		}
		for _, cmd := range cmds {
			delay := time.Duration(rand.Int64N(int64(120 * time.Millisecond)))
			time.AfterFunc(delay, func() { cmd.Process.Signal(syscall.SIGKILL) })
		}
		for i, cmd := range cmds {
			err := cmd.Wait()
			ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
			switch {
			case ws.Signaled():
				killed++
			case err != nil:
				t.Fatalf("round %d: process %d failed without being killed: %v\n%s", round, i, err, errs[i])
			}
		}
		checkAfterCrash(t, home, []string{out}, killed)
	}
	t.Logf("%d rounds, %d of %d processes killed", rounds, killed, rounds*procs)
}

// TestCrashPoints stops a signing process with SIGKILL right before the
// commit, right after it and right after the file write (CA_TEST_CRASH), and
// checks what each leaves behind.
func TestCrashPoints(t *testing.T) {
	type want struct {
		recorded, files bool
	}
	stages := []struct {
		stage ca.Stage
		want  want
	}{
		{ca.StageBeforeCommit, want{recorded: false, files: false}},
		{ca.StageAfterCommit, want{recorded: true, files: false}},
		{ca.StageAfterWrite, want{recorded: true, files: true}},
	}
	for _, s := range stages {
		t.Run("intermediate/"+string(s.stage), func(t *testing.T) {
			home := newTestHome(t)
			r := runCA(t, home, []string{"CA_TEST_CRASH=" + string(s.stage)},
				"intermediate", "create", "--name", "sub", "--cn", "Sub CA", "--no-passphrase")
			if r.code != -1 {
				t.Fatalf("exit %d, want death by SIGKILL at %s\n%s", r.code, s.stage, r.stderr)
			}
			check := checkAfterCrash(t, home, nil, 1)
			st := openRead(t, home)
			_, err := st.Issuer(context.Background(), "sub")
			st.Close()
			if recorded := err == nil; recorded != s.want.recorded {
				t.Errorf("issuer recorded: %v, want %v (%v)", recorded, s.want.recorded, err)
			}
			_, err = os.Stat(filepath.Join(home, "issuers", "sub", "cert.pem"))
			if files := err == nil; files != s.want.files {
				t.Errorf("issuer files written: %v, want %v", files, s.want.files)
			}
			if !s.want.files && !strings.Contains(check.stdout, "staging directory") {
				t.Errorf("store check does not point at the staging directory:\n%s", check.stdout)
			}
			// The lock died with the process: the next command goes on.
			mustCA(t, home, nil, "--lock-timeout", "2s", "intermediate", "create", "--name", "next", "--cn", "Next CA", "--no-passphrase")
			checkAfterCrash(t, home, nil, 1)
		})
	}
	// A leaf through the batch pipeline, from a CSR and with its own key.
	leafCmds := []struct {
		name string
		args func(out string) []string
	}{
		{"sign", func(out string) []string {
			return []string{"sign", "csr", makeCSR(t, t.TempDir(), "a.example.com"), "--out-dir", out}
		}},
		{"issue", func(out string) []string {
			return []string{"issue", "--cn", "a.example.com", "--dns", "a.example.com", "--no-passphrase", "--out-dir", out}
		}},
	}
	for _, c := range leafCmds {
		for _, s := range stages {
			t.Run(c.name+"/"+string(s.stage), func(t *testing.T) {
				home := newTestHome(t)
				out := t.TempDir()
				args := c.args(out)
				r := runCA(t, home, []string{"CA_TEST_CRASH=" + string(s.stage)}, args...)
				if r.code != -1 {
					t.Fatalf("exit %d, want death by SIGKILL at %s (does ca %s pass g.batchHook() as BatchConfig.Hook?)\n%s", r.code, s.stage, c.name, r.stderr)
				}
				checkAfterCrash(t, home, []string{out}, 1)
				st := openRead(t, home)
				n := 0
				st.Certificates(context.Background(), ca.Query{}, func(*ca.CertRecord) error { n++; return nil })
				st.Close()
				if recorded := n == 2; recorded != s.want.recorded {
					t.Errorf("certificate recorded: %v, want %v", recorded, s.want.recorded)
				}
				_, err := os.Stat(filepath.Join(out, "a.example.com.crt"))
				if files := err == nil; files != s.want.files {
					t.Errorf("certificate file written: %v, want %v", files, s.want.files)
				}
				if c.name == "sign" && s.stage == ca.StageBeforeCommit {
					// Nothing was recorded: signing the request again succeeds.
					mustCA(t, home, nil, args...)
					checkAfterCrash(t, home, []string{out}, 0)
				}
			})
		}
	}
}

func openRead(t *testing.T, home string) *store.Bolt {
	t.Helper()
	st, err := store.Open(filepath.Join(home, "ca.db"), store.Options{ReadOnly: true, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// checkAfterCrash checks a home after up to killed processes died at any
// instant, and returns the output of "ca store check".
func checkAfterCrash(t *testing.T, home string, outDirs []string, killed int) caRun {
	t.Helper()
	check := storeCheck(t, home)
	st := openRead(t, home)
	defer st.Close()
	ctx := context.Background()
	records := map[string]*ca.CertRecord{}
	err := st.Certificates(ctx, ca.Query{}, func(r *ca.CertRecord) error {
		s := ca.FormatSerial(r.Serial)
		if records[s] != nil {
			t.Errorf("serial %s is recorded twice", s)
		}
		records[s] = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	issuers, err := st.Issuers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	for _, iss := range issuers {
		c, err := x509.ParseCertificate(iss.DER)
		if err != nil {
			t.Fatal(err)
		}
		if iss.Parent == "" {
			roots.AddCert(c)
		} else {
			inters.AddCert(c)
		}
	}
	withFile := map[string]bool{}
	// checkFile: a certificate file that exists is whole, verifies and is recorded.
	checkFile := func(path, keyPath string, usage x509.ExtKeyUsage) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return
		}
		der, _, err := pem.Decode(data, pem.MaxSize, pem.TypeCertificate)
		if err != nil {
			t.Errorf("%s is not whole: %v", path, err)
			return
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Errorf("%s does not parse: %v", path, err)
			return
		}
		if _, err := c.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
			t.Errorf("%s does not verify: %v", path, err)
		}
		s := ca.FormatSerial(c.SerialNumber)
		if rec := records[s]; rec == nil || !bytes.Equal(rec.DER, der) {
			t.Errorf("%s (serial %s) is not recorded", path, s)
		}
		withFile[s] = true
		if keyPath == "" {
			return
		}
		kd, err := pem.ReadKeyFile(keyPath)
		if os.IsNotExist(err) || (err != nil && strings.Contains(err.Error(), "no such file")) {
			return // the key is written last; a re-run completes the row
		}
		if err != nil {
			t.Errorf("%s: %v", keyPath, err)
			return
		}
		key, err := pem.ParsePrivateKey(kd, nil)
		if err != nil {
			t.Errorf("%s is not whole: %v", keyPath, err)
			return
		}
		if pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(c.PublicKey) {
			t.Errorf("%s does not hold the key of %s", keyPath, path)
		}
	}
	entries, err := os.ReadDir(filepath.Join(home, "issuers"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue // staging directories of interrupted commands
		}
		dir := filepath.Join(home, "issuers", e.Name())
		checkFile(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), x509.ExtKeyUsageAny)
		if _, err := st.Issuer(ctx, e.Name()); err != nil {
			t.Errorf("issuers/%s exists but is not recorded: %v", e.Name(), err)
		}
	}
	for _, dir := range outDirs {
		// Files wait for their names as O_TMPFILE inodes, which die with
		// the process: a kill leaves no temp file (where there are such inodes).
		if tmps, _ := filepath.Glob(filepath.Join(dir, ".*.tmp*")); len(tmps) > 0 && hasTmpfile(dir) {
			t.Errorf("temp files left in %s: %v", dir, tmps)
		}
		crts, _ := filepath.Glob(filepath.Join(dir, "*.crt"))
		for _, crt := range crts {
			checkFile(crt, strings.TrimSuffix(crt, ".crt")+".key", x509.ExtKeyUsageAny)
			checkChainFile(t, strings.TrimSuffix(crt, ".crt")+".chain.pem", crt, roots)
		}
	}
	orphans := 0
	for s := range records {
		if !withFile[s] {
			orphans++
		}
	}
	if orphans > killed {
		t.Errorf("%d certificates are recorded without a file, but only %d processes were killed", orphans, killed)
	}
	return check
}

// TestCrashManifest kills "ca issue --manifest" at random instants, then
// re-runs the manifest to completion: after every kill the home passes the
// checks, and after the re-run every row has its key, certificate and chain,
// each certificate recorded once.
func TestCrashManifest(t *testing.T) {
	if testing.Short() {
		t.Skip("kill loop: not in -short")
	}
	home := newTestHome(t)
	const rounds, rows = 8, 30
	killed := 0
	var outs []string // every round's directory: the store holds them all
	for round := range rounds {
		out := t.TempDir()
		outs = append(outs, out)
		manifest := filepath.Join(out, "manifest.csv")
		csv := "cn,dns\n"
		for i := range rows {
			cn := fmt.Sprintf("r%d-%d.example.com", round, i)
			csv += cn + "," + cn + "\n"
		}
		if err := os.WriteFile(manifest, []byte(csv), 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"--lock-timeout", "1m", "issue", "--manifest", manifest, "--out-dir", out, "--issuer", "root", "--no-passphrase"}
		cmd, _, errb := caCmd(t, home, nil, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.AfterFunc(time.Duration(rand.Int64N(int64(400*time.Millisecond))), func() { cmd.Process.Signal(syscall.SIGKILL) })
		err := cmd.Wait()
		if cmd.ProcessState.Sys().(syscall.WaitStatus).Signaled() {
			killed++
		} else if err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, errb)
		}
		// One killed process may leave one commit's certificates without files.
		checkAfterCrash(t, home, outs, killed*rows)
		mustCA(t, home, nil, args...)
		checkAfterCrash(t, home, outs, killed*rows)
		for i := range rows {
			name := filepath.Join(out, fmt.Sprintf("r%d-%d.example.com", round, i))
			for _, ext := range []string{".key", ".crt", ".chain.pem"} {
				if _, err := os.Stat(name + ext); err != nil {
					t.Errorf("round %d: after the re-run: %v", round, err)
				}
			}
		}
	}
	t.Logf("%d of %d manifest runs killed", killed, rounds)
}

// checkChainFile: a chain file that exists is whole, starts with the leaf of
// crt, and its certificates alone chain the leaf to a root.
func checkChainFile(t *testing.T, chainPath, crt string, roots *x509.CertPool) {
	t.Helper()
	data, err := os.ReadFile(chainPath)
	if err != nil {
		return // written after the certificate; a re-run completes the row
	}
	leafPEM, _ := os.ReadFile(crt)
	var certs []*x509.Certificate
	for rest := data; ; {
		var block *stdpem.Block
		block, rest = stdpem.Decode(rest)
		if block == nil {
			if len(bytes.TrimSpace(rest)) > 0 {
				t.Errorf("%s is not whole: trailing %q", chainPath, rest)
			}
			break
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Errorf("%s: %v", chainPath, err)
			return
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 || !bytes.Contains(leafPEM, stdpem.EncodeToMemory(&stdpem.Block{Type: "CERTIFICATE", Bytes: certs[0].Raw})) {
		t.Errorf("%s does not start with the certificate of %s", chainPath, crt)
		return
	}
	inters := x509.NewCertPool()
	for _, c := range certs[1:] {
		inters.AddCert(c)
	}
	if _, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("%s does not chain to the root: %v", chainPath, err)
	}
}
