package home_test

import (
	"context"
	"crypto/x509/pkix"
	"testing"
)

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
	sub.Template.MaxPathLen = 0
	iss.Close()
	if _, err := h.CreateIntermediate(ctx, "", sub); err != nil {
		t.Fatal(err)
	}
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
