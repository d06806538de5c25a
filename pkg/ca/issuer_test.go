package ca_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/internal/linttest"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/store"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func openStore(t *testing.T) *store.Bolt {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "ca.db"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if problems := st.Check(); len(problems) > 0 {
			t.Errorf("store check: %v", problems)
		}
		st.Close()
	})
	return st
}

// newRoot makes a root of key type kt recorded in st.
func newRoot(t *testing.T, st ca.Store, kt pem.KeyType) *ca.Issuer {
	t.Helper()
	key, err := pem.GenerateKey(kt)
	if err != nil {
		t.Fatal(err)
	}
	subject := pkix.Name{CommonName: "Test Root " + string(kt), Organization: []string{"Example"}, Country: []string{"DE"}}
	cert, err := ca.CreateRoot(ca.Template{Subject: subject, Validity: 10 * 365 * 24 * time.Hour, MaxPathLen: -1}, key, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddIssuer(context.Background(), ca.IssuerRecord{Name: "root", Serial: cert.SerialNumber, DER: cert.Raw},
		ca.NewCertRecord(cert, "root", ca.ProfileRoot.Name())); err != nil {
		t.Fatal(err)
	}
	iss, err := ca.NewIssuer(ca.IssuerConfig{Name: "root", Cert: cert, Signer: key, Store: st, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

func newIntermediate(t *testing.T, root *ca.Issuer, st ca.Store, kt pem.KeyType, cfg ca.Template) *ca.Issuer {
	t.Helper()
	key, err := pem.GenerateKey(kt)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Validity == 0 {
		cfg.Validity = 5 * 365 * 24 * time.Hour
	}
	cfg.Subject = pkix.Name{CommonName: "Issuing " + string(kt), Organization: []string{"Example"}, Country: []string{"DE"}}
	issued, err := root.CreateIntermediate(context.Background(), "issuing", cfg, key.Public())
	if err != nil {
		t.Fatal(err)
	}
	iss, err := ca.NewIssuer(ca.IssuerConfig{Name: "issuing", Cert: issued.Cert, Chain: root.Chain(), Signer: key, Store: st, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

func request(t *testing.T, kt pem.KeyType, cn string, dns ...string) csr.Request {
	t.Helper()
	key, err := pem.GenerateKey(kt)
	if err != nil {
		t.Fatal(err)
	}
	return csr.Request{
		Subject:   pkix.Name{CommonName: cn, Organization: []string{"Example"}, Country: []string{"DE"}}.ToRDNSequence(),
		DNSNames:  dns,
		PublicKey: key.Public(),
	}
}

func TestSignProfiles(t *testing.T) {
	st := openStore(t)
	root := newRoot(t, st, pem.ECDSAP256)
	inter := newIntermediate(t, root, st, pem.ECDSAP384, ca.Template{})
	roots := x509.NewCertPool()
	roots.AddCert(root.Certificate())
	inters := x509.NewCertPool()
	inters.AddCert(inter.Certificate())
	for _, kt := range []pem.KeyType{pem.ECDSAP256, pem.ECDSAP384, pem.RSA2048, pem.Ed25519} {
		for _, p := range []*ca.Profile{ca.ProfileServer, ca.ProfileClient, ca.ProfileDevice} {
			t.Run(string(kt)+"/"+p.Name(), func(t *testing.T) {
				issued, err := inter.Issue(context.Background(), request(t, kt, "svc.example.com", "svc.example.com"), ca.SignOptions{Profile: p})
				if err != nil {
					t.Fatal(err)
				}
				c := issued.Cert
				linttest.Certificate(t, c.Raw)
				if len(c.SubjectKeyId) == 0 || string(c.AuthorityKeyId) != string(inter.Certificate().SubjectKeyId) {
					t.Fatalf("SKI %x AKI %x", c.SubjectKeyId, c.AuthorityKeyId)
				}
				if c.IsCA || c.KeyUsage&x509.KeyUsageCertSign != 0 {
					t.Fatal("a leaf with CA powers")
				}
				if got := c.NotAfter.Sub(now); got != ca.DefaultValidity {
					t.Fatalf("validity %s", got)
				}
				if !c.NotBefore.Equal(now.Add(-ca.ClockSkew)) {
					t.Fatalf("notBefore %s", c.NotBefore)
				}
				if _, err := c.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, CurrentTime: now, KeyUsages: p.ExtKeyUsage()}); err != nil {
					t.Fatal(err)
				}
				rec, err := st.Certificate(context.Background(), c.SerialNumber)
				if err != nil || rec.Profile != p.Name() || rec.Issuer != "issuing" {
					t.Fatalf("record %+v, %v", rec, err)
				}
			})
		}
	}
}

// TestAuthorityKeyIDWithIssuersName: a certificate whose subject is its
// issuer's name still names the issuer's key (Go's x509 leaves the AKI out
// then), so it lints clean and no verifier takes it for self-signed.
func TestAuthorityKeyIDWithIssuersName(t *testing.T) {
	st := openStore(t)
	root := newRoot(t, st, pem.ECDSAP256)
	inter := newIntermediate(t, root, st, pem.ECDSAP256, ca.Template{})
	key, err := pem.GenerateKey(pem.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	twin, err := root.CreateIntermediate(context.Background(), "twin",
		ca.Template{Subject: root.Certificate().Subject, Validity: 365 * 24 * time.Hour}, key.Public())
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := inter.Issue(context.Background(), request(t, pem.ECDSAP256, inter.Certificate().Subject.CommonName),
		ca.SignOptions{Profile: ca.ProfileClient})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cert   *x509.Certificate
		issuer *ca.Issuer
	}{{twin.Cert, root}, {leaf.Cert, inter}} {
		if !bytes.Equal(c.cert.AuthorityKeyId, c.issuer.Certificate().SubjectKeyId) {
			t.Errorf("%s: AKI %x, want the issuer's SKI %x", c.cert.Subject, c.cert.AuthorityKeyId, c.issuer.Certificate().SubjectKeyId)
		}
		linttest.Certificate(t, c.cert.Raw)
	}
}

func TestValidityNeverPastIssuer(t *testing.T) {
	st := openStore(t)
	root := newRoot(t, st, pem.ECDSAP256)
	inter := newIntermediate(t, root, st, pem.ECDSAP256, ca.Template{Validity: 30 * 24 * time.Hour})
	policyOK := request(t, pem.ECDSAP256, "a.example.com", "a.example.com")
	_, err := inter.Issue(context.Background(), policyOK, ca.SignOptions{Validity: 60 * 24 * time.Hour})
	if !errors.Is(err, ca.ErrRefused) {
		t.Fatalf("validity past the issuer: %v", err)
	}
	_, err = root.CreateIntermediate(context.Background(), "long", ca.Template{Subject: pkix.Name{CommonName: "x"}, Validity: 20 * 365 * 24 * time.Hour}, policyOK.PublicKey)
	if !errors.Is(err, ca.ErrRefused) {
		t.Fatalf("intermediate past the root: %v", err)
	}
	n := 0
	st.Certificates(context.Background(), ca.Query{}, func(*ca.CertRecord) error { n++; return nil })
	if n != 2 {
		t.Fatalf("%d certificates recorded, want the root and the intermediate", n)
	}
}

func TestRecordDrawsNewSerialOnCollision(t *testing.T) {
	st := openStore(t)
	root := newRoot(t, st, pem.ECDSAP256)
	req := request(t, pem.ECDSAP256, "a.example.com", "a.example.com")
	first, err := root.Sign(req, ca.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if errs, err := ca.Record(context.Background(), st, []*ca.Issued{first}); err != nil || errs[0] != nil {
		t.Fatal(err, errs)
	}
	// The same certificate again: its serial is taken, so it is signed again.
	again := []*ca.Issued{first}
	errs, err := ca.Record(context.Background(), st, again)
	if err != nil || errs[0] != nil {
		t.Fatal(err, errs)
	}
	if again[0].Cert.SerialNumber.Cmp(first.Cert.SerialNumber) == 0 {
		t.Fatal("the collision was recorded under the same serial")
	}
	if _, err := st.Certificate(context.Background(), again[0].Cert.SerialNumber); err != nil {
		t.Fatal(err)
	}
}

func TestPolicyRefusalNamesTheRule(t *testing.T) {
	st := openStore(t)
	root := newRoot(t, st, pem.ECDSAP256)
	req := request(t, pem.ECDSAP256, "a.example.com", "b.example.com")
	req.IPAddresses = []net.IP{net.ParseIP("10.0.0.1")}
	_, err := root.Issue(context.Background(), req, ca.SignOptions{Profile: ca.ProfileServer})
	var pe *csr.PolicyError
	if !errors.As(err, &pe) {
		t.Fatalf("want a policy error, got %v", err)
	}
}
