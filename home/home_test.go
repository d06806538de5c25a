package home_test

import (
	"context"
	"crypto/x509/pkix"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

var subject = pkix.Name{CommonName: "Test Root", Organization: []string{"Example"}, Country: []string{"DE"}}

func newCA(t *testing.T, name string, subject pkix.Name) home.NewCA {
	t.Helper()
	key, err := pem.GenerateKey(pem.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := pem.MarshalPrivateKey(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	return home.NewCA{Name: name, Config: ca.CAConfig{Subject: subject, Validity: 48 * time.Hour, MaxPathLen: -1}, Key: key, KeyPEM: keyPEM}
}

// newHome creates a home with a root called "root" in a temp dir.
func newHome(t *testing.T) *home.Home {
	t.Helper()
	cfg := home.Config{Dir: filepath.Join(t.TempDir(), "pki"), LockTimeout: time.Second}
	if _, err := home.Create(context.Background(), cfg, newCA(t, "root", subject)); err != nil {
		t.Fatal(err)
	}
	return home.New(cfg)
}

func checkStore(t *testing.T, h *home.Home) {
	t.Helper()
	st, err := h.OpenStoreRead()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if problems := st.Check(); len(problems) > 0 {
		t.Fatalf("store check: %v", problems)
	}
}

func TestCreate(t *testing.T) {
	h := newHome(t)
	for _, f := range []string{home.FileCert, home.FileChain, home.FileKey, home.FilePolicy} {
		if _, err := os.Stat(h.IssuerFile("root", f)); err != nil {
			t.Errorf("root's %s: %v", f, err)
		}
	}
	fi, err := os.Stat(h.IssuerFile("root", home.FileKey))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key.pem: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	checkStore(t, h)
	if w := h.Warnings([]string{"root"}); len(w) != 0 {
		t.Errorf("warnings on a new home: %v", w)
	}
	// Never over an existing home.
	if _, err := home.Create(context.Background(), h.Config(), newCA(t, "root", subject)); !errors.Is(err, ca.ErrExists) {
		t.Fatalf("second Create: %v, want ErrExists", err)
	}
}

func TestLoadIssuerDefault(t *testing.T) {
	h := newHome(t)
	ctx := context.Background()
	iss, err := h.LoadIssuer(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if iss.Name() != "root" || iss.Store == nil || iss.Policy == nil {
		t.Fatalf("default issuer %q, store %v, policy %v", iss.Name(), iss.Store, iss.Policy)
	}
	sub := newCA(t, "sub", pkix.Name{CommonName: "Sub CA", Organization: []string{"Example"}, Country: []string{"DE"}})
	sub.Config.MaxPathLen = 0
	if _, err := h.CreateIntermediate(ctx, iss, sub); err != nil {
		t.Fatal(err)
	}
	iss.Close()
	// The only intermediate is now the default issuer.
	iss, err = h.LoadIssuer(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	if iss.Name() != "sub" || len(iss.Chain()) != 2 {
		t.Fatalf("default issuer %q with chain of %d, want sub with 2", iss.Name(), len(iss.Chain()))
	}
}

// TestIntermediateKeptWhenPlaceTaken: when the directory of a new
// intermediate cannot be put in place after its commit (here: made by
// someone else between the last look and the rename), the staged
// directory, holding the only copy of its key, is kept; the error says
// where, and moving it into place gives a working issuer.
func TestIntermediateKeptWhenPlaceTaken(t *testing.T) {
	h := newHome(t)
	ctx := context.Background()
	parent, err := h.OpenIssuer(ctx, ca.TheRoot)
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Bind(); err != nil {
		t.Fatal(err)
	}
	dir := h.IssuerDir("sub")
	// Made by someone else once the command has looked: the hook runs
	// just before the commit, after CreateIntermediate's own check.
	cfg := h.Config()
	cfg.Hook = func(s ca.Stage) {
		if s == ca.StageBeforeCommit {
			os.Mkdir(dir, 0o700)
		}
	}
	hooked := home.New(cfg)
	_, err = hooked.CreateIntermediate(ctx, parent, newCA(t, "sub", pkix.Name{CommonName: "Sub CA", Organization: []string{"Example"}, Country: []string{"DE"}}))
	parent.Close()
	stages, _ := filepath.Glob(filepath.Join(h.IssuersDir(), ".sub.new-*"))
	if len(stages) != 1 {
		t.Fatalf("staging directories %v, want one", stages)
	}
	for _, want := range []string{"issuer sub is recorded", stages[0]} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %q", err, want)
		}
	}
	if w := h.Warnings([]string{"root", "sub"}); len(w) != 2 {
		t.Errorf("warnings %q, want the staging directory and the missing cert.pem", w)
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(stages[0], dir); err != nil {
		t.Fatal(err)
	}
	checkStore(t, h)
	iss, err := h.LoadIssuer(ctx, "sub")
	if err != nil {
		t.Fatal(err)
	}
	iss.Close()
}
