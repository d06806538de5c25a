package ca_test

import (
	"crypto/x509"
	"testing"

	"github.com/ca-toolkit/ca/internal/linttest"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

func TestRootsAndIntermediatesLintClean(t *testing.T) {
	for _, kt := range pem.KeyTypes {
		t.Run(string(kt), func(t *testing.T) {
			if kt == pem.RSA4096 && testing.Short() {
				t.Skip("slow")
			}
			st := openStore(t)
			root := newRoot(t, st, kt)
			rc := root.Certificate()
			if !rc.IsCA || !rc.BasicConstraintsValid || rc.KeyUsage&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != x509.KeyUsageCertSign|x509.KeyUsageCRLSign || len(rc.SubjectKeyId) == 0 {
				t.Fatalf("root lacks CA powers or SKI: %+v", rc)
			}
			linttest.Certificate(t, rc.Raw)
			inter := newIntermediate(t, root, st, kt, ca.Template{MaxPathLen: 0, PermittedDNSDomains: []string{"example.com"}})
			ic := inter.Certificate()
			linttest.Certificate(t, ic.Raw)
			if !ic.MaxPathLenZero || len(ic.AuthorityKeyId) == 0 || string(ic.AuthorityKeyId) != string(rc.SubjectKeyId) {
				t.Fatalf("intermediate: pathlen zero %v, AKI %x, root SKI %x", ic.MaxPathLenZero, ic.AuthorityKeyId, rc.SubjectKeyId)
			}
			pool := x509.NewCertPool()
			pool.AddCert(rc)
			if _, err := ic.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: now}); err != nil {
				t.Fatal(err)
			}
		})
	}
}
