package ca_test

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"slices"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/internal/linttest"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// TestIssueOCSPResponder: a delegated responder certificate has
// OCSPSigning, digitalSignature only, ocsp-nocheck, is recorded, lints
// clean, and never outlives its issuer.
func TestIssueOCSPResponder(t *testing.T) {
	st := openStore(t)
	root := newRoot(t, st, pem.ECDSAP256)
	key, err := pem.GenerateKey(pem.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	got, err := root.IssueOCSPResponder(context.Background(), key.Public(), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c := got.Cert
	if c.IsCA || c.KeyUsage != x509.KeyUsageDigitalSignature || !slices.Equal(c.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}) {
		t.Errorf("usages: CA %v, KU %v, EKU %v", c.IsCA, c.KeyUsage, c.ExtKeyUsage)
	}
	if !slices.ContainsFunc(c.Extensions, func(e pkix.Extension) bool { return e.Id.Equal(ca.OIDOCSPNoCheck) }) {
		t.Error("no id-pkix-ocsp-nocheck")
	}
	if err := c.CheckSignatureFrom(root.Certificate()); err != nil {
		t.Error(err)
	}
	rec, err := st.Certificate(context.Background(), c.SerialNumber)
	if err != nil || rec.Profile != ca.ProfileOCSPResponder {
		t.Errorf("recorded: %v, %+v", err, rec)
	}
	if problems, err := linttest.CheckCertificate(c.Raw); err != nil || len(problems) > 0 {
		t.Errorf("zlint: %v %v", err, problems)
	}
	if _, err := root.IssueOCSPResponder(context.Background(), key.Public(), 20*365*24*time.Hour); err == nil {
		t.Error("a responder outliving its issuer was signed")
	}
}
