package trust

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/internal/testtool"
)

func newRoot(t testing.TB, cn string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func writePEM(t testing.TB, c *x509.Certificate) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(p, encodePEM(c), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestNickname(t *testing.T) {
	for _, tc := range []struct{ cn, prefix string }{
		{"Test Root", "ca-Test_Root-"},
		{"", "ca-root-"},
		{"Ünïcode/Root;rm -rf", "ca-_n_code_Root_rm_-rf-"},
		{strings.Repeat("x", 100), "ca-" + strings.Repeat("x", 40) + "-"},
	} {
		t.Run(tc.cn, func(t *testing.T) {
			root := newRoot(t, tc.cn)
			got := Nickname(root)
			if !strings.HasPrefix(got, tc.prefix) || len(got) != len(tc.prefix)+8 || !strings.HasSuffix(got, Fingerprint(root)[:8]) {
				t.Errorf("Nickname = %q, want %q + 8 hex digits of %s", got, tc.prefix, Fingerprint(root))
			}
		})
	}
}

// newNSSDB makes an empty NSS database as a user would.
func newNSSDB(t testing.TB) string {
	t.Helper()
	testtool.Require(t, "certutil")
	dir := t.TempDir()
	run(t, "certutil", "-N", "-d", "sql:"+dir, "--empty-password")
	return dir
}

func nssList(t testing.TB, dir string) string {
	return run(t, "certutil", "-L", "-d", "sql:"+dir)
}

// TestNSS installs into and uninstalls from real NSS databases: install
// adds the root under its nickname with trust C,,; a second install
// changes nothing; uninstall removes it and nothing else.
func TestNSS(t *testing.T) {
	ctx := context.Background()
	root, other := newRoot(t, "Test Root"), newRoot(t, "Other Root")
	db := newNSSDB(t)
	run(t, "certutil", "-A", "-d", "sql:"+db, "-n", "someone-else", "-t", "C,,", "-i", writePEM(t, other))
	cfg := Config{Root: root, GOOS: "linux", TempDir: t.TempDir()}
	stores, err := cfg.Stores(Selection{NSS: true, NSSDirs: []string{db}})
	if err != nil {
		t.Fatal(err)
	}
	if st := cfg.Status(ctx, stores); st[0].Err != nil || st[0].Trusted {
		t.Fatalf("status before install: %+v", st[0])
	}
	apply(t, cfg, stores, true, 1)
	if list := nssList(t, db); !strings.Contains(list, Nickname(root)) || !strings.Contains(list, "C,,") {
		t.Fatalf("certutil -L after install:\n%s", list)
	}
	if st := cfg.Status(ctx, stores); !st[0].Trusted {
		t.Fatalf("status after install: %+v", st[0])
	}
	apply(t, cfg, stores, true, 0) // already there
	apply(t, cfg, stores, false, 1)
	list := nssList(t, db)
	if strings.Contains(list, Nickname(root)) || !strings.Contains(list, "someone-else") {
		t.Fatalf("certutil -L after uninstall:\n%s", list)
	}
	apply(t, cfg, stores, false, 0) // nothing left to remove
	if entries, _ := os.ReadDir(cfg.TempDir); len(entries) != 0 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// TestNSSForeignEntry: an entry under the root's nickname that holds
// another certificate is never removed, and install refuses to add beside it.
func TestNSSForeignEntry(t *testing.T) {
	ctx := context.Background()
	root, other := newRoot(t, "Test Root"), newRoot(t, "Other Root")
	db := newNSSDB(t)
	run(t, "certutil", "-A", "-d", "sql:"+db, "-n", Nickname(root), "-t", "C,,", "-i", writePEM(t, other))
	cfg := Config{Root: root, GOOS: "linux", TempDir: t.TempDir()}
	stores := []Store{{Kind: KindNSS, Location: db, Tool: "certutil"}}
	if _, err := cfg.PlanInstall(ctx, stores); !errors.Is(err, ErrConflict) || !errors.Is(err, fs.ErrExist) {
		t.Fatalf("PlanInstall over a foreign entry: %v, want ErrConflict", err)
	}
	apply(t, cfg, stores, false, 0)
	if list := nssList(t, db); !strings.Contains(list, Nickname(root)) {
		t.Fatalf("uninstall removed a foreign entry:\n%s", list)
	}
}

// apply plans and applies an install or uninstall and checks how many
// stores it changed.
func apply(t testing.TB, cfg Config, stores []Store, install bool, changed int) {
	t.Helper()
	ctx := context.Background()
	plan, err := cfg.PlanUninstall(ctx, stores)
	if install {
		plan, err = cfg.PlanInstall(ctx, stores)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Changed) != changed {
		t.Fatalf("install=%v changes %d stores, want %d: %v", install, len(plan.Changed), changed, plan.Actions)
	}
	if err := plan.Apply(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// TestJava installs into and uninstalls from a real PKCS#12 keystore with
// keytool, with the default password and with one from the environment.
func TestJava(t *testing.T) {
	testtool.Require(t, "keytool")
	root := newRoot(t, "Java Root")
	for _, pass := range []string{"", "s3cret-pass"} {
		t.Run("pass="+pass, func(t *testing.T) {
			ks := filepath.Join(t.TempDir(), "cacerts")
			storepass := "changeit"
			cfg := Config{Root: root, GOOS: "linux", TempDir: t.TempDir()}
			if pass != "" {
				storepass = pass
				t.Setenv("CA_TEST_STOREPASS", pass)
				cfg.JavaStorePassEnv = "CA_TEST_STOREPASS"
			}
			run(t, "keytool", "-importcert", "-noprompt", "-alias", "seed", "-file", writePEM(t, newRoot(t, "Seed")), "-keystore", ks, "-storepass", storepass, "-storetype", "PKCS12")
			stores, err := cfg.Stores(Selection{Java: ks})
			if err != nil {
				t.Fatal(err)
			}
			apply(t, cfg, stores, true, 1)
			list := run(t, "keytool", "-list", "-keystore", ks, "-storepass", storepass)
			if !strings.Contains(list, strings.ToLower(Nickname(root))) { // keytool lower-cases aliases
				t.Fatalf("keytool -list after install:\n%s", list)
			}
			if pass != "" {
				return // the password from the environment opens it; the rest is as above (keytool is slow)
			}
			apply(t, cfg, stores, true, 0)
			apply(t, cfg, stores, false, 1)
			list = run(t, "keytool", "-list", "-keystore", ks, "-storepass", storepass)
			if strings.Contains(list, strings.ToLower(Nickname(root))) || !strings.Contains(list, "seed") {
				t.Fatalf("keytool -list after uninstall:\n%s", list)
			}
		})
	}
}

func TestStoresNotFound(t *testing.T) {
	cfg := Config{Root: newRoot(t, "R"), GOOS: "linux"}
	for _, sel := range []Selection{
		{NSS: true, NSSDirs: []string{t.TempDir()}},
		{Java: filepath.Join(t.TempDir(), "nope")},
	} {
		if _, err := cfg.Stores(sel); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stores(%+v) = %v, want fs.ErrNotExist", sel, err)
		}
	}
}

// TestDefaultNSSDirs finds ~/.pki/nssdb and Firefox profiles that hold a
// database, and nothing else.
func TestDefaultNSSDirs(t *testing.T) {
	home := t.TempDir()
	for _, d := range []string{".pki/nssdb", ".mozilla/firefox/abc.default", ".mozilla/firefox/empty"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{".pki/nssdb/cert9.db", ".mozilla/firefox/abc.default/cert9.db"} {
		if err := os.WriteFile(filepath.Join(home, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got := Config{GOOS: "linux", UserHome: home}.DefaultNSSDirs()
	want := []string{filepath.Join(home, ".pki/nssdb"), filepath.Join(home, ".mozilla/firefox/abc.default")}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("DefaultNSSDirs = %v, want %v", got, want)
	}
}
