package home_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
)

// TestVerifyAgainstHome: a leaf of the home is good, then revoked; an
// issuer the home does not have is ca.ErrNotFound.
func TestVerifyAgainstHome(t *testing.T) {
	h := newHome(t)
	ctx := context.Background()
	_, cert, _ := issueLeaf(t, h, "", "web.example.com")
	if v, err := h.Verify(ctx, cert, "root"); err != nil || v.Status != ca.VerifyGood {
		t.Fatalf("good leaf: %+v, %v", v, err)
	}
	if _, err := h.Verify(ctx, cert, "nope"); !errors.Is(err, ca.ErrNotFound) {
		t.Errorf("unknown issuer: %v, want ErrNotFound", err)
	}
	l, err := home.RevokeInput{CertFiles: nil, Serials: []string{ca.FormatSerial(cert.SerialNumber)}, Reason: "keyCompromise"}.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Revoke(ctx, l.Serials, l.Certs, l.Reason, l.Invalidity); err != nil {
		t.Fatal(err)
	}
	v, err := h.Verify(ctx, cert, "")
	if err != nil || v.Status != ca.VerifyRevoked || v.Report("f").Revocation.Reason != "keyCompromise" {
		t.Fatalf("revoked leaf: %+v, %v", v, err)
	}
	checkStore(t, h)
}
