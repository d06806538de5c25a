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
)

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

// TestIntermediateKeptWhenPlaceTaken: when the directory of a new
// intermediate cannot be put in place after its commit (here: made by
// someone else between the last look and the rename), the staged
// directory, holding the only copy of its key, is kept; the error says
// where, and moving it into place gives a working issuer.
func TestIntermediateKeptWhenPlaceTaken(t *testing.T) {
	h := newHome(t)
	ctx := context.Background()
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
	_, err := hooked.CreateIntermediate(ctx, "", newCA(t, "sub", pkix.Name{CommonName: "Sub CA", Organization: []string{"Example"}, Country: []string{"DE"}}))
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

// TestIssuerNames: a name that cannot be a directory of issuers/
// (ca.CheckIssuerName) is refused as bad input by Create and
// CreateIntermediate, not only by the command line.
func TestIssuerNames(t *testing.T) {
	cfg := home.Config{Dir: filepath.Join(t.TempDir(), "pki"), LockTimeout: time.Second}
	if _, err := home.Create(context.Background(), cfg, newCA(t, "../escape", subject)); !errors.Is(err, ca.ErrUsage) {
		t.Fatalf("Create with ../escape: %v, want ErrUsage", err)
	}
	if _, err := os.Stat(cfg.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the refused home exists: %v", err)
	}
	h := newHome(t)
	if _, err := h.CreateIntermediate(context.Background(), "", newCA(t, "../../x", subject)); !errors.Is(err, ca.ErrUsage) {
		t.Fatalf("CreateIntermediate with ../../x: %v, want ErrUsage", err)
	}
}
