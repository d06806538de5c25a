package publish_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/ocsp"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/publish"
)

// fixture is a real home (bbolt store in a temp dir) with a root, one
// leaf it signed, and a publish server over it.
type fixture struct {
	h      *home.Home
	root   *x509.Certificate
	leaf   *x509.Certificate
	srv    *publish.Server
	key    crypto.Signer // the root's
	url    string
	cancel context.CancelFunc
}

func newFixture(t testing.TB) *fixture { return newFixtureWith(t, home.PublishOptions{}, nil) }

// newFixtureWith is newFixture with publish options and a change to the
// server's config before it starts.
func newFixtureWith(t testing.TB, opts home.PublishOptions, tweak func(*publish.Config)) *fixture {
	t.Helper()
	ctx := context.Background()
	cfg := home.Config{Dir: filepath.Join(t.TempDir(), "pki"), LockTimeout: 2 * time.Second}
	created, err := home.Create(ctx, cfg, home.NewCA{Name: "root",
		Template: ca.Template{Subject: pkix.Name{CommonName: "Publish Root"}, Validity: 48 * time.Hour, MaxPathLen: -1}})
	if err != nil {
		t.Fatal(err)
	}
	h := home.New(cfg)
	iss, err := h.LoadIssuer(ctx, "root")
	if err != nil {
		t.Fatal(err)
	}
	leafKey, _ := pem.GenerateKey(pem.ECDSAP256)
	issued, err := iss.IssueLeaf(ctx, ca.Leaf{Subject: pkix.Name{CommonName: "leaf.example.com"}, DNSNames: []string{"leaf.example.com"},
		PublicKey: leafKey.Public(), Profile: ca.ProfileServer, Validity: time.Hour})
	iss.Close()
	if err != nil {
		t.Fatal(err)
	}
	pcfg, err := h.Publisher(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	pcfg.Refresh = 50 * time.Millisecond
	start := time.Now()
	pcfg.Now = func() time.Time { return start } // one period throughout
	if tweak != nil {
		tweak(&pcfg)
	}
	srv, err := publish.NewServer(ctx, pcfg)
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	go srv.Run(rctx)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { cancel(); hs.Close() })
	return &fixture{h: h, root: created.Cert, leaf: issued.Cert, srv: srv, key: pcfg.Signers["root"], url: hs.URL, cancel: cancel}
}

func (f *fixture) request(t testing.TB, cert *x509.Certificate) []byte {
	t.Helper()
	req, err := ocsp.CreateRequest(cert, f.root, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func post(t testing.TB, url string, body []byte) (int, []byte, http.Header) {
	t.Helper()
	resp, err := http.Post(url, "application/ocsp-request", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data, resp.Header
}

var malformed = []byte{0x30, 0x03, 0x0a, 0x01, 0x01}

// TestOCSPStatuses checks the answers with x/crypto/ocsp's parser (openssl
// judges them in testdata/script/publish.txtar): good, answered from the
// cache the second time, then revoked with time and reason within a second
// of the revocation (the cached good answer is not served again), and
// every response verifies under the issuer.
func TestOCSPStatuses(t *testing.T) {
	f := newFixture(t)
	code, body, hdr := post(t, f.url+"/ocsp", f.request(t, f.leaf))
	if code != 200 || hdr.Get("Content-Type") != "application/ocsp-response" {
		t.Fatalf("status %d, type %q", code, hdr.Get("Content-Type"))
	}
	resp, err := ocsp.ParseResponseForCert(body, f.leaf, f.root)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != ocsp.Good || resp.SerialNumber.Cmp(f.leaf.SerialNumber) != 0 || !resp.NextUpdate.After(resp.ThisUpdate) {
		t.Fatalf("response %+v", resp)
	}
	// Signed once per period: the same request gets the same bytes (an
	// ECDSA signature is never the same twice), until the status changes.
	if again := mustPost(t, f.url+"/ocsp", f.request(t, f.leaf)); !bytes.Equal(again, body) {
		t.Fatal("a second request without a nonce in the same period was signed again")
	}
	st, err := f.h.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	_, err = ca.Revoke(context.Background(), st, []*big.Int{f.leaf.SerialNumber}, ca.ReasonKeyCompromise, time.Time{}, time.Now())
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Second)
	for {
		_, body, _ = post(t, f.url+"/ocsp", f.request(t, f.leaf))
		if resp, err = ocsp.ParseResponseForCert(body, f.leaf, f.root); err != nil {
			t.Fatal(err)
		}
		if resp.Status == ocsp.Revoked || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if resp.Status != ocsp.Revoked || resp.RevocationReason != ocsp.KeyCompromise || resp.RevokedAt.IsZero() {
		t.Fatalf("a second after the revocation: %+v", resp)
	}
}

// TestHostile sends what no client should: every one gets an OCSP error
// status or an HTTP error, and the responder still answers afterwards.
func TestHostile(t *testing.T) {
	f := newFixture(t)
	good := f.request(t, f.leaf)
	cases := []struct {
		name string
		body []byte
		code int
		want []byte // nil: only the HTTP code is checked
	}{
		{"empty", nil, 200, malformed},
		{"garbage", []byte("GET / HTTP/1.1\r\n\r\n"), 200, malformed},
		{"truncated", good[:len(good)-3], 200, malformed},
		{"trailing data", append(bytes.Clone(good), 0), 200, malformed},
		{"two certificates", twoRequests(t, good), 200, malformed},
		{"critical extension", withExtension(t, good, []int{1, 2, 3}, true, []byte{4, 0}), 200, malformed},
		{"long nonce", withExtension(t, good, []int{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}, false, append([]byte{4, 33}, make([]byte, 33)...)), 200, malformed},
		{"nonce not an octet string", withExtension(t, good, []int{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}, false, []byte{5, 0}), 200, malformed},
		{"huge", bytes.Repeat([]byte{0x30}, publish.MaxRequest+1), http.StatusRequestEntityTooLarge, nil},
		{"deep nesting", bytes.Repeat([]byte{0x30, 0x80}, 4096), 200, malformed},
	}
	for _, c := range cases {
		code, body, _ := post(t, f.url+"/ocsp", c.body)
		if code != c.code || (c.want != nil && !bytes.Equal(body, c.want)) {
			t.Errorf("%s: status %d, body %x; want %d, %x", c.name, code, body, c.code, c.want)
		}
	}
	// a non-critical extension other than the nonce is ignored
	_, body, hdr := post(t, f.url+"/ocsp", withExtension(t, good, []int{1, 2, 3}, false, []byte{4, 0}))
	if r, err := ocsp.ParseResponseForCert(body, f.leaf, f.root); err != nil || r.Status != ocsp.Good || hdr.Get("Cache-Control") != "no-store" {
		t.Errorf("non-critical extension: %v, %+v, %q", err, r, hdr.Get("Cache-Control"))
	}
	for _, c := range []struct {
		method, path string
		code         int
	}{{"PUT", "/ocsp", 405}, {"DELETE", "/crl/root.crl", 405}, {"GET", "/ocsp/%25zz", 200}, {"GET", "/crl/root.crl", 404},
		{"GET", "/ca/nosuch.crt", 404}, {"GET", "/", 404}, {"POST", "/ocsp/x", 404}} {
		req, _ := http.NewRequest(c.method, f.url+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.code {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.code)
		}
	}
	if _, err := ocsp.ParseResponseForCert(mustPost(t, f.url+"/ocsp", good), f.leaf, f.root); err != nil {
		t.Fatalf("after the hostile requests: %v", err)
	}
}

func mustPost(t testing.TB, url string, body []byte) []byte {
	_, b, _ := post(t, url, body)
	return b
}

// twoRequests returns req with its one Request listed twice.
func twoRequests(t testing.TB, req []byte) []byte {
	var outer, tbs, list, one cryptobyte.String
	in := cryptobyte.String(req)
	if !in.ReadASN1(&outer, cbasn1.SEQUENCE) || !outer.ReadASN1(&tbs, cbasn1.SEQUENCE) || !tbs.ReadASN1(&list, cbasn1.SEQUENCE) ||
		!list.ReadASN1Element(&one, cbasn1.SEQUENCE) {
		t.Fatal("cannot take the request apart")
	}
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddBytes(one); b.AddBytes(one) })
		})
	})
	return b.BytesOrPanic()
}

// withExtension returns req (which has no extensions) with one request
// extension of the given id, criticality and extnValue.
func withExtension(t testing.TB, req []byte, id []int, critical bool, value []byte) []byte {
	var outer, tbs cryptobyte.String
	in := cryptobyte.String(req)
	if !in.ReadASN1(&outer, cbasn1.SEQUENCE) || !outer.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		t.Fatal("cannot take the request apart")
	}
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddBytes(tbs)
			b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(id)
						if critical {
							b.AddASN1Boolean(true)
						}
						b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) { b.AddBytes(value) })
					})
				})
			})
		})
	})
	return b.BytesOrPanic()
}

// TestDelegatedRenewal: with a delegated responder, answers carry its
// certificate and verify under the issuer; past half its life publish
// issues a new one and signs with it.
func TestDelegatedRenewal(t *testing.T) {
	var clock atomic.Pointer[time.Time]
	now := time.Now()
	clock.Store(&now)
	f := newFixtureWith(t, home.PublishOptions{Delegated: true}, func(c *publish.Config) {
		c.Now = func() time.Time { return *clock.Load() }
		c.ErrorLog = log.New(testWriter{t}, "", 0)
	})
	first, err := ocsp.ParseResponseForCert(mustPost(t, f.url+"/ocsp", f.request(t, f.leaf)), f.leaf, f.root)
	if err != nil {
		t.Fatal(err)
	}
	if first.Certificate == nil || first.Certificate.CheckSignatureFrom(f.root) != nil || first.Status != ocsp.Good {
		t.Fatalf("first answer: %+v", first)
	}
	later := now.Add(home.ResponderValidity/2 + time.Minute)
	clock.Store(&later)
	deadline := time.Now().Add(3 * time.Second)
	for {
		r, err := ocsp.ParseResponseForCert(mustPost(t, f.url+"/ocsp", f.request(t, f.leaf)), f.leaf, f.root)
		if err != nil {
			t.Fatal(err)
		}
		if r.Certificate.SerialNumber.Cmp(first.Certificate.SerialNumber) != 0 {
			if !r.NextUpdate.After(later) || r.NextUpdate.After(r.Certificate.NotAfter) {
				t.Errorf("nextUpdate %s, responder notAfter %s", r.NextUpdate, r.Certificate.NotAfter)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the responder certificate was not renewed past half its life")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// TestSlowClient: a client that never finishes its headers is cut off
// after the header timeout (5 s), and Serve stops when its context ends.
func TestSlowClient(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 5 s")
	}
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.srv.Serve(ctx, ln) }()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /ocsp/ HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, err = io.ReadAll(conn)
	if took := time.Since(start); err != nil || took > 8*time.Second {
		t.Errorf("slow client: read %v after %s; want the connection closed after about 5 s", err, took)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not stop with its context")
	}
}
