package home_test

import (
	"context"
	"crypto"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// openKey opens an unencrypted key file, as passphrase.Sources.OpenKey
// does without a passphrase.
func openKey(path string) (crypto.Signer, error) {
	data, err := pem.ReadKeyFile(path)
	if err != nil {
		return nil, err
	}
	return pem.ParsePrivateKey(data, nil)
}

// provisionServer issues a server certificate for localhost and 127.0.0.1
// from the home's root and writes its files (NAME.key, NAME.pem,
// NAME.chain.pem) to a temp dir.
func provisionServer(t *testing.T, h *home.Home) *home.Provisioned {
	t.Helper()
	p, err := h.Provision(context.Background(), home.ProvisionConfig{Dir: t.TempDir()}, ca.KeyRequest{
		Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"}, Profile: ca.ProfileServer, Validity: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReadTLSKeyPair: a certificate file and its key make a
// tls.Certificate, leaf first; a key of another certificate is bad input;
// a directory in place of the certificate is refused at once; a missing
// file says so.
func TestReadTLSKeyPair(t *testing.T) {
	h := newHome(t)
	srv, other := provisionServer(t, h), provisionServer(t, h)
	dir := t.TempDir()
	for _, tc := range []struct {
		name, cert, key string
		want            error
		msg             string
	}{
		{name: "chain", cert: srv.Chain, key: srv.Key},
		{name: "leaf", cert: srv.Cert, key: srv.Key},
		{name: "other key", cert: srv.Cert, key: other.Key, want: ca.ErrUsage, msg: "does not belong to the certificate"},
		{name: "directory", cert: dir, key: srv.Key, want: pem.ErrNotRegularInput},
		{name: "missing", cert: filepath.Join(dir, "none.pem"), key: srv.Key, want: fs.ErrNotExist, msg: "read certificate"},
		{name: "missing key", cert: srv.Cert, key: filepath.Join(dir, "none.key"), want: fs.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kp, err := home.ReadTLSKeyPair(tc.cert, tc.key, openKey)
			if tc.want != nil {
				if !errors.Is(err, tc.want) || !strings.Contains(fmt.Sprint(err), tc.msg) {
					t.Fatalf("err = %v, want %v saying %q", err, tc.want, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !kp.Leaf.Equal(srv.Issued.Cert) || len(kp.Certificate) < 1 || kp.PrivateKey == nil {
				t.Fatalf("key pair: leaf %v, %d certificates", kp.Leaf.Subject, len(kp.Certificate))
			}
		})
	}
}

// TestReadCertChainFile reads PEM chains and a DER certificate, and
// refuses what is neither.
func TestReadCertChainFile(t *testing.T) {
	h := newHome(t)
	srv := provisionServer(t, h)
	dir := t.TempDir()
	der := filepath.Join(dir, "leaf.der")
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(der, srv.Issued.Cert.Raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(junk, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		certs      int
		want       error
	}{
		{name: "pem", path: srv.Cert, certs: 1},
		{name: "root pem", path: h.IssuerFile("root", home.FileCert), certs: 1},
		{name: "der", path: der, certs: 1},
		{name: "junk", path: junk, want: pem.ErrMalformed},
		{name: "missing", path: filepath.Join(dir, "none"), want: fs.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			certs, err := home.ReadCertChainFile(tc.path)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil || len(certs) != tc.certs {
				t.Fatalf("%d certificates, err %v; want %d", len(certs), err, tc.certs)
			}
			pool, err := home.ReadCertPool(tc.path)
			if err != nil || pool == nil {
				t.Fatalf("pool: %v", err)
			}
		})
	}
}
