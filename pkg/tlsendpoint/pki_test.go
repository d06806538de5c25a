package tlsendpoint

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// testPKI is a root, an intermediate under it, and what tests need of them.
type testPKI struct {
	root, inter       *x509.Certificate
	rootKey, interKey crypto.Signer
	roots, inters     *x509.CertPool
	rootPEM           []byte
}

// leaf is an issued end-entity certificate.
type leaf struct {
	cert  *x509.Certificate
	key   crypto.Signer
	chain tls.Certificate // leaf then intermediate
}

func newKey(t testing.TB) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newSerial(t testing.TB) *big.Int {
	t.Helper()
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	b[0] &= 0x7f
	b[0] |= 0x01 // never a leading zero byte, so hex is 40 digits
	return new(big.Int).SetBytes(b)
}

func skid(t testing.TB, pub crypto.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	h := sha1.Sum(der)
	return h[:]
}

func create(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newTestPKI(t testing.TB, name string) *testPKI {
	t.Helper()
	now := time.Now()
	p := &testPKI{rootKey: newKey(t), interKey: newKey(t)}
	rootTmpl := &x509.Certificate{
		SerialNumber:          newSerial(t),
		Subject:               pkix.Name{CommonName: name + " Root", Organization: []string{"ca-toolkit tests"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		SubjectKeyId:          skid(t, p.rootKey.Public()),
	}
	p.root = create(t, rootTmpl, rootTmpl, p.rootKey.Public(), p.rootKey)
	interTmpl := &x509.Certificate{
		SerialNumber:          newSerial(t),
		Subject:               pkix.Name{CommonName: name + " Intermediate", Organization: []string{"ca-toolkit tests"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(23 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		SubjectKeyId:          skid(t, p.interKey.Public()),
	}
	p.inter = create(t, interTmpl, p.root, p.interKey.Public(), p.rootKey)
	p.roots = x509.NewCertPool()
	p.roots.AddCert(p.root)
	p.inters = x509.NewCertPool()
	p.inters.AddCert(p.inter)
	p.rootPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.root.Raw})
	return p
}

// leafOptions shape a leaf: a server leaf has SANs, a client leaf none.
type leafOptions struct {
	cn     string
	server bool
	client bool
	crlURL string
	// notAfter overrides the default (12h from now)
	notAfter time.Time
}

func (p *testPKI) issue(t testing.TB, o leafOptions) *leaf {
	t.Helper()
	now := time.Now()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: newSerial(t),
		Subject:      pkix.Name{CommonName: o.cn, Organization: []string{"ca-toolkit tests"}},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(12 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		SubjectKeyId: skid(t, key.Public()),
	}
	if !o.notAfter.IsZero() {
		tmpl.NotAfter = o.notAfter
	}
	if o.server {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
		tmpl.DNSNames = []string{"localhost"}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	if o.client {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	}
	if o.crlURL != "" {
		tmpl.CRLDistributionPoints = []string{o.crlURL}
	}
	c := create(t, tmpl, p.inter, key.Public(), p.interKey)
	return &leaf{
		cert: c,
		key:  key,
		chain: tls.Certificate{
			Certificate: [][]byte{c.Raw, p.inter.Raw},
			PrivateKey:  key,
			Leaf:        c,
		},
	}
}

// leafOnly is the leaf's tls.Certificate without its intermediate.
func (l *leaf) leafOnly() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{l.cert.Raw}, PrivateKey: l.key, Leaf: l.cert}
}

// crl makes a CRL of the intermediate listing serials.
func (p *testPKI) crl(t testing.TB, thisUpdate, nextUpdate time.Time, signer crypto.Signer, serials ...*big.Int) []byte {
	t.Helper()
	var entries []x509.RevocationListEntry
	for _, s := range serials {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: s, RevocationTime: thisUpdate.Add(-time.Minute)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    big.NewInt(1),
		ThisUpdate:                thisUpdate,
		NextUpdate:                nextUpdate,
		RevokedCertificateEntries: entries,
	}, p.inter, signer)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// writeFiles writes root.pem, NAME.pem (leaf then intermediate) and
// NAME.key for a leaf into dir and returns their paths.
func writeLeafFiles(t testing.TB, dir, name string, l *leaf) (certPath, keyPath string) {
	t.Helper()
	var certPEM []byte
	for _, der := range l.chain.Certificate {
		certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(l.key)
	if err != nil {
		t.Fatal(err)
	}
	certPath = filepath.Join(dir, name+".pem")
	keyPath = filepath.Join(dir, name+".key")
	if err := os.WriteFile(certPath, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}

// revocations is a mutable RevocationSource for tests.
type revocations struct {
	mu   sync.Mutex
	m    map[string]bool
	err  error // returned by source while set
	hits int
}

func newRevocations() *revocations { return &revocations{m: map[string]bool{}} }

func (r *revocations) source(ctx context.Context) (map[string]bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hits++
	if r.err != nil {
		return nil, r.err
	}
	m := make(map[string]bool, len(r.m))
	for k, v := range r.m {
		m[k] = v
	}
	return m, nil
}

func (r *revocations) revoke(c *x509.Certificate) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[serialHex(c)] = true
}

func (r *revocations) setErr(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

// startServer runs s.Serve on 127.0.0.1:0 until the test ends, and checks
// that Serve then returns nil.
func startServer(t testing.TB, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve returned %v after its context ended, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not return within 10s of its context ending")
		}
	})
	return ln.Addr().String()
}

// newTestServer builds a Server from cfg on pki's server leaf and starts it.
func newTestServer(t testing.TB, cfg ServerConfig) (*Server, string) {
	t.Helper()
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, startServer(t, s)
}
