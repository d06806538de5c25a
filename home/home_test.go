package home_test

import (
	"context"
	"crypto/x509/pkix"
	"path/filepath"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

var subject = pkix.Name{CommonName: "Test Root", Organization: []string{"Example"}, Country: []string{"DE"}}

// newCA is a CA called name: the root is valid for 48 hours, any other
// for 24, so that an intermediate made a second later (its notAfter
// truncated to the next second) never outlives the root.
func newCA(t *testing.T, name string, subject pkix.Name) home.NewCA {
	t.Helper()
	validity := 24 * time.Hour
	if name == "root" {
		validity = 48 * time.Hour
	}
	return home.NewCA{Name: name, Template: ca.Template{Subject: subject, Validity: validity, MaxPathLen: -1}, KeyType: pem.ECDSAP256}
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
