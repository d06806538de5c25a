package ca_test

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/internal/linttest"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// TestRenewIntermediateKeepsLeavesAndCRLs: a leaf and a CRL signed under
// an intermediate verify under its renewal (same subject, key, key id),
// whose constraints are the old ones; it lints clean.
func TestRenewIntermediateKeepsLeavesAndCRLs(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	root := newRoot(t, st, pem.ECDSAP256)
	inter := newIntermediate(t, root, st, pem.ECDSAP256, ca.Template{MaxPathLen: 0, PermittedDNSDomains: []string{"example.com"}})
	leaf, err := inter.Issue(ctx, request(t, pem.ECDSAP256, "www.example.com", "www.example.com"), ca.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	crlRec, err := inter.CreateCRL(ctx, ca.CRLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := st.Issuer(ctx, "issuing")
	if err != nil {
		t.Fatal(err)
	}
	renewed, err := root.RenewIntermediate(ctx, rec, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	n, o := renewed.Cert, inter.Certificate()
	if n.SerialNumber.Cmp(o.SerialNumber) == 0 || string(n.RawSubject) != string(o.RawSubject) ||
		string(n.SubjectKeyId) != string(o.SubjectKeyId) || !n.MaxPathLenZero || len(n.PermittedDNSDomains) != 1 || !n.NotAfter.Equal(o.NotAfter) {
		t.Errorf("renewal differs: serial %s, path len zero %v, constraints %v, notAfter %s (old %s)", n.SerialNumber, n.MaxPathLenZero, n.PermittedDNSDomains, n.NotAfter, o.NotAfter)
	}
	linttest.Certificate(t, n.Raw)
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(root.Certificate())
	inters.AddCert(n)
	if _, err := leaf.Cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, CurrentTime: now}); err != nil {
		t.Errorf("old leaf under the renewed intermediate: %v", err)
	}
	crl, err := x509.ParseRevocationList(crlRec.DER)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(n); err != nil {
		t.Errorf("old CRL under the renewed intermediate: %v", err)
	}
	if got, _ := st.Issuer(ctx, "issuing"); got.Serial.Cmp(n.SerialNumber) != 0 {
		t.Errorf("the store's issuer is still %s", got.Serial)
	}
	// The old record is stale now: a second renewal of it is refused.
	if _, err := root.RenewIntermediate(ctx, rec, 0, nil); !errors.Is(err, ca.ErrExists) {
		t.Errorf("renewal of a stale record: %v, want ErrExists", err)
	}
}

// TestIssueCross: the cross certificate carries the other CA's subject, key
// and key id; the refusals of SPEC.md.
func TestIssueCross(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	root := newRoot(t, st, pem.ECDSAP256)
	otherKey, err := pem.GenerateKey(pem.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ca.CreateRoot(ca.Template{Subject: pkix.Name{CommonName: "Other Root", Organization: []string{"Other"}}, Validity: 20 * 365 * 24 * time.Hour, MaxPathLen: 1}, otherKey, now)
	if err != nil {
		t.Fatal(err)
	}
	x, err := root.IssueCross(ctx, other, ca.Template{MaxPathLen: ca.PathLenOfCert})
	if err != nil {
		t.Fatal(err)
	}
	c := x.Cert
	if string(c.RawSubject) != string(other.RawSubject) || string(c.SubjectKeyId) != string(other.SubjectKeyId) ||
		!pem.SamePublicKey(c.PublicKey, other.PublicKey) || c.MaxPathLen != 1 || !c.NotAfter.Equal(root.Certificate().NotAfter) || x.Record.Profile != ca.ProfileCross.Name() {
		t.Errorf("cross certificate: subject %s, path len %d, notAfter %s, profile %s", c.Subject, c.MaxPathLen, c.NotAfter, x.Record.Profile)
	}
	if err := c.CheckSignatureFrom(root.Certificate()); err != nil {
		t.Error(err)
	}
	linttest.Certificate(t, c.Raw)
	if _, err := st.Certificate(ctx, c.SerialNumber); err != nil {
		t.Errorf("not recorded: %v", err)
	}
	for name, cert := range map[string]*x509.Certificate{"own root": root.Certificate(), "leaf": mustLeaf(t, root)} {
		if _, err := root.IssueCross(ctx, cert, ca.Template{MaxPathLen: -1}); !errors.Is(err, ca.ErrRefused) {
			t.Errorf("%s: %v, want ErrRefused", name, err)
		}
	}
	if _, err := root.IssueCross(ctx, other, ca.Template{MaxPathLen: -1, Validity: 30 * 365 * 24 * time.Hour}); !errors.Is(err, ca.ErrRefused) {
		t.Errorf("validity past the issuer's: %v, want ErrRefused", err)
	}
}

func mustLeaf(t *testing.T, iss *ca.Issuer) *x509.Certificate {
	t.Helper()
	l, err := iss.Issue(context.Background(), request(t, pem.ECDSAP256, "www.example.com", "www.example.com"), ca.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return l.Cert
}
