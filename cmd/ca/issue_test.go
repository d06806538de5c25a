package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ca-toolkit/ca/internal/errtext"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/store"
)

func init() {
	// storematch DIR [N]: the store and the .crt files of DIR agree: every
	// DIR/NAME.crt is recorded with the same DER, its NAME.chain.pem starts
	// with it, and every leaf the store holds has a .crt in DIR, except at
	// most N (the certificates of a commit whose process died before it
	// wrote their files). Sets STORE_EXTRA to how many there are.
	scriptCmds["storematch"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 1 || len(args) > 2 {
			ts.Fatalf("usage: storematch DIR [N]")
		}
		allowed := 0
		if len(args) == 2 {
			n, err := strconv.Atoi(args[1])
			ts.Check(err)
			allowed = n
		}
		extra, err := storeMatch(filepath.Join(ts.Getenv("CA_HOME"), "ca.db"), ts.MkAbs(args[0]))
		ts.Check(err)
		if extra > allowed {
			ts.Fatalf("the store holds %d leaf certificates without files (at most %d allowed)", extra, allowed)
		}
		ts.Setenv("STORE_EXTRA", strconv.Itoa(extra))
	}
}

// storeMatch checks that every .crt in dir is recorded and returns how many
// leaf certificates the store holds that have no .crt in dir.
func storeMatch(dbPath, dir string) (extra int, err error) {
	st, err := store.Open(dbPath, store.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return 0, err
	}
	defer st.Close()
	ctx := context.Background()
	files, err := filepath.Glob(filepath.Join(dir, "*.crt"))
	if err != nil {
		return 0, err
	}
	onDisk := map[string]bool{}
	for _, f := range files {
		if fi, err := os.Lstat(f); err != nil || !fi.Mode().IsRegular() {
			continue // a directory in the way, say
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return 0, err
		}
		der, _, err := pem.Decode(data, pem.MaxSize, pem.TypeCertificate)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", f, err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", f, err)
		}
		rec, err := st.Certificate(ctx, cert.SerialNumber)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", f, err)
		}
		if !bytes.Equal(rec.DER, der) {
			return 0, fmt.Errorf("%s: the store holds other DER for serial %s", f, ca.FormatSerial(cert.SerialNumber))
		}
		chain, err := os.ReadFile(strings.TrimSuffix(f, ".crt") + ".chain.pem")
		if err != nil {
			return 0, err
		}
		if !bytes.HasPrefix(chain, data) {
			return 0, fmt.Errorf("%s: the chain file does not start with the certificate", f)
		}
		onDisk[ca.FormatSerial(cert.SerialNumber)] = true
	}
	err = st.Certificates(ctx, ca.Query{}, func(rec *ca.CertRecord) error {
		if rec.Profile == ca.ProfileRoot.Name() || rec.Profile == ca.ProfileIntermediate.Name() {
			return nil
		}
		if !onDisk[ca.FormatSerial(rec.Serial)] {
			extra++
		}
		return nil
	})
	return extra, err
}

// runIssueCA runs the CLI in-process and returns its exit code, stdout and stderr.
func runIssueCA(t *testing.T, home string, env []string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	g := newGlobals(strings.NewReader(""), &stdout, &stderr, append([]string{"CA_HOME=" + home}, env...))
	root := newRootCmd(g)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err != nil {
		fmt.Fprintf(&stderr, "ca: %s\n", errtext.Message(err))
	}
	return exitCode(err), stdout.String(), stderr.String()
}

// TestIssueManifestStoreMatchesFiles issues a manifest with good and bad
// rows, twice, and checks that the store holds exactly the certificates
// whose files were written: none for the bad rows, none twice.
func TestIssueManifestStoreMatchesFiles(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "pki")
	if code, _, stderr := runIssueCA(t, home, nil, "init", "--cn", "Root", "--org", "Example", "--country", "DE", "--no-passphrase"); code != 0 {
		t.Fatalf("init: %d %s", code, stderr)
	}
	var m strings.Builder
	m.WriteString("cn,dns,ip,profile\n")
	good := 0
	for i := range 60 {
		name := fmt.Sprintf("dev-%02d.example.com", i)
		switch i % 10 {
		case 3:
			fmt.Fprintf(&m, "%s,%s,not-an-ip,device\n", name, name) // exit 2
		case 7:
			fmt.Fprintf(&m, "%s,other.example.com,,device\n", name) // CN not among the SANs: exit 3
		default:
			fmt.Fprintf(&m, "%s,%s,,device\n", name, name)
			good++
		}
	}
	manifest := filepath.Join(dir, "m.csv")
	if err := os.WriteFile(manifest, []byte(m.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	for run, want := range []struct{ issued, skipped int }{{good, 0}, {0, good}} {
		code, stdout, stderr := runIssueCA(t, home, nil, "issue", "--manifest", manifest, "--out-dir", out, "--no-passphrase", "--workers", "3")
		if code != exitRefused {
			t.Fatalf("run %d: exit %d, want %d (the worst row)\n%s%s", run, code, exitRefused, stdout, stderr)
		}
		if !strings.Contains(stdout, fmt.Sprintf("issued %d, skipped %d, failed %d", want.issued, want.skipped, 60-good)) {
			t.Errorf("run %d: summary:\n%s", run, stdout)
		}
		extra, err := storeMatch(filepath.Join(home, "ca.db"), out)
		if err != nil {
			t.Fatal(err)
		}
		if extra != 0 {
			t.Errorf("run %d: the store holds %d certificates without files", run, extra)
		}
		crts, _ := filepath.Glob(filepath.Join(out, "*.crt"))
		keys, _ := filepath.Glob(filepath.Join(out, "*.key"))
		if len(crts) != good || len(keys) != good {
			t.Errorf("run %d: %d .crt and %d .key files, want %d", run, len(crts), len(keys), good)
		}
	}
	st, err := store.Open(filepath.Join(home, "ca.db"), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if problems := st.Check(); len(problems) > 0 {
		t.Fatalf("store check: %v", problems)
	}
}
