package tlsendpoint

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// crlServer serves a CRL over plain HTTP on 127.0.0.1 at /crl.
func crlServer(t *testing.T) (*httptest.Server, *atomic.Pointer[[]byte]) {
	t.Helper()
	var crl atomic.Pointer[[]byte]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := crl.Load()
		if r.URL.Path != "/crl" || b == nil {
			http.NotFound(w, r)
			return
		}
		w.Write(*b)
	}))
	t.Cleanup(srv.Close)
	return srv, &crl
}

// closedAddr is an address on 127.0.0.1 where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestProbe(t *testing.T) {
	p := newTestPKI(t, "Home")
	foreign := newTestPKI(t, "Foreign")
	crlSrv, crl := crlServer(t)
	goodLeaf := p.issue(t, leafOptions{cn: "localhost", server: true, crlURL: crlSrv.URL + "/crl"})
	revokedLeaf := p.issue(t, leafOptions{cn: "localhost", server: true, crlURL: crlSrv.URL + "/crl"})
	plainLeaf := p.issue(t, leafOptions{cn: "localhost", server: true})
	deadCRLLeaf := p.issue(t, leafOptions{cn: "localhost", server: true, crlURL: "http://" + closedAddr(t) + "/crl"})
	crlDER := p.crl(t, time.Now().Add(-time.Minute), time.Now().Add(time.Hour), p.interKey, revokedLeaf.cert.SerialNumber)
	crl.Store(&crlDER)

	alice := p.issue(t, leafOptions{cn: "alice", client: true})
	mallory := p.issue(t, leafOptions{cn: "mallory", client: true})
	stranger := foreign.issue(t, leafOptions{cn: "stranger", client: true})
	revs := newRevocations()
	revs.revoke(mallory.cert)

	serve := func(l *leaf, auth ClientAuth) string {
		_, addr := newTestServer(t, ServerConfig{Certificate: l.chain, Roots: p.roots, Intermediates: p.inters,
			ClientAuth: auth, Revoked: revs.source})
		return addr
	}
	good := serve(goodLeaf, ClientAuthNone)
	revoked := serve(revokedLeaf, ClientAuthNone)
	plain := serve(plainLeaf, ClientAuthNone)
	deadCRL := serve(deadCRLLeaf, ClientAuthNone)
	mtls := serve(plainLeaf, ClientAuthRequire)

	tests := []struct {
		name           string
		cfg            ProbeConfig
		want           Outcome
		wantRevocation Revocation
		wantVerified   bool
		wantResumed    bool
	}{
		{"ok, CRL from the distribution point", ProbeConfig{Address: good}, OutcomeOK, RevocationGood, true, false},
		{"ok, https URL with path and localhost", ProbeConfig{Address: "https://localhost:" + port(good) + "/handshake.json"}, OutcomeOK, RevocationGood, true, false},
		{"ok, resumed", ProbeConfig{Address: good, Resume: true}, OutcomeOK, RevocationGood, true, true},
		{"ok, unchecked without a distribution point", ProbeConfig{Address: plain}, OutcomeOK, RevocationUnchecked, true, false},
		{"revoked, CRL from the distribution point", ProbeConfig{Address: revoked}, OutcomeRevoked, RevocationRevoked, true, false},
		{"revoked, CheckRevocation", ProbeConfig{Address: plain, CheckRevocation: func(ctx context.Context, leaf, issuer *x509.Certificate) (Revocation, error) {
			if issuer == nil || !issuer.Equal(p.inter) || !leaf.Equal(plainLeaf.cert) {
				return "", errors.New("wrong leaf or issuer")
			}
			return RevocationRevoked, nil
		}}, OutcomeRevoked, RevocationRevoked, true, false},
		{"failed, CheckRevocation error", ProbeConfig{Address: plain, CheckRevocation: func(context.Context, *x509.Certificate, *x509.Certificate) (Revocation, error) {
			return "", errors.New("store locked")
		}}, OutcomeFailed, RevocationUnchecked, true, false},
		{"failed, CRL unreachable", ProbeConfig{Address: deadCRL}, OutcomeFailed, RevocationUnchecked, true, false},
		{"ok, mTLS with leaf and chain", ProbeConfig{Address: mtls, Certificates: []tls.Certificate{alice.chain}}, OutcomeOK, RevocationUnchecked, true, false},
		{"ok, mTLS with the leaf only, resumed", ProbeConfig{Address: mtls, Certificates: []tls.Certificate{alice.leafOnly()}, Resume: true}, OutcomeOK, RevocationUnchecked, true, true},
		{"refused, revoked client", ProbeConfig{Address: mtls, Certificates: []tls.Certificate{mallory.chain}}, OutcomeRefused, RevocationUnchecked, true, false},
		{"refused, foreign client", ProbeConfig{Address: mtls, Certificates: []tls.Certificate{stranger.chain}}, OutcomeRefused, RevocationUnchecked, true, false},
		{"refused, no client certificate", ProbeConfig{Address: mtls}, OutcomeRefused, RevocationUnchecked, true, false},
		{"failed, unknown root", ProbeConfig{Address: plain, RootCAs: foreign.roots}, OutcomeFailed, RevocationUnchecked, false, false},
		{"failed, wrong server name", ProbeConfig{Address: plain, ServerName: "example.com"}, OutcomeFailed, RevocationUnchecked, false, false},
		{"failed, nothing listening", ProbeConfig{Address: closedAddr(t)}, OutcomeFailed, RevocationUnchecked, false, false},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v.name+"/"+tt.name, func(t *testing.T) {
				cfg := tt.cfg
				if cfg.RootCAs == nil {
					cfg.RootCAs = p.roots
				}
				cfg.MinVersion, cfg.MaxVersion = v.v, v.v
				cfg.Timeout = 10 * time.Second
				res, err := Probe(context.Background(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				js, _ := json.Marshal(res)
				if got := res.Outcome(); got != tt.want {
					t.Fatalf("outcome %s, want %s: %s", got, tt.want, js)
				}
				if res.Revocation != tt.wantRevocation || res.Resumed != tt.wantResumed {
					t.Errorf("revocation %s resumed %v, want %s %v: %s", res.Revocation, res.Resumed, tt.wantRevocation, tt.wantResumed, js)
				}
				if tt.want == OutcomeRefused {
					// The refusal may come before the chain is seen (TLS 1.2).
					return
				}
				if res.Verified != tt.wantVerified || (len(res.PeerChain) > 0 && (res.VerifyError == "") != tt.wantVerified) {
					t.Errorf("verified %v (%q), want %v", res.Verified, res.VerifyError, tt.wantVerified)
				}
				if res.Error == "" {
					if res.TLSVersion != tls.VersionName(v.v) || res.CipherSuite == "" || len(res.PeerChain) != 2 || res.HandshakeTime <= 0 {
						t.Errorf("connection facts missing: %s", js)
					}
					if res.ALPN != "h2" {
						t.Errorf("ALPN %q, want h2", res.ALPN)
					}
				}
				if tt.wantResumed && res.ResumeTime <= 0 {
					t.Errorf("resumeMs is 0")
				}
			})
		}
	}
}

func port(addr string) string { return addr[strings.LastIndex(addr, ":")+1:] }

func TestProbeConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  ProbeConfig
	}{
		{"empty address", ProbeConfig{}},
		{"http URL", ProbeConfig{Address: "http://127.0.0.1:8443/"}},
		{"port not a number", ProbeConfig{Address: "127.0.0.1:https2"}},
		{"port out of range", ProbeConfig{Address: "127.0.0.1:70000"}},
		{"no host", ProbeConfig{Address: ":8443"}},
		{"min above max", ProbeConfig{Address: "127.0.0.1:8443", MinVersion: tls.VersionTLS13, MaxVersion: tls.VersionTLS12}},
		{"negative timeout", ProbeConfig{Address: "127.0.0.1:8443", Timeout: -time.Second}},
		{"certificate without key", ProbeConfig{Address: "127.0.0.1:8443", Certificates: []tls.Certificate{{Certificate: [][]byte{{1}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Probe(context.Background(), tt.cfg)
			if err == nil || !strings.HasPrefix(err.Error(), "tlsendpoint: ") {
				t.Fatalf("Probe: %+v, %v; want a config error", res, err)
			}
		})
	}
}

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in                        string
		hostport, host, hdr, path string
	}{
		{"127.0.0.1:8443", "127.0.0.1:8443", "127.0.0.1", "127.0.0.1:8443", "/"},
		{"example.com", "example.com:443", "example.com", "example.com", "/"},
		{"example.com:443", "example.com:443", "example.com", "example.com", "/"},
		{"[::1]:8443", "[::1]:8443", "::1", "[::1]:8443", "/"},
		{"::1", "[::1]:443", "::1", "[::1]", "/"},
		{"https://localhost:8443/handshake.json?x=1", "localhost:8443", "localhost", "localhost:8443", "/handshake.json?x=1"},
		{"https://example.com", "example.com:443", "example.com", "example.com", "/"},
	}
	for _, tt := range tests {
		got, err := parseAddress(tt.in)
		if err != nil {
			t.Errorf("parseAddress(%q): %v", tt.in, err)
			continue
		}
		want := probeTarget{hostport: tt.hostport, host: tt.host, hostHdr: tt.hdr, path: tt.path}
		if got != want {
			t.Errorf("parseAddress(%q) = %+v, want %+v", tt.in, got, want)
		}
	}
}

func TestResultJSON(t *testing.T) {
	r := &Result{Address: "127.0.0.1:1", Verified: true, Revocation: RevocationGood,
		HandshakeTime: 1500 * time.Microsecond, ResumeTime: 250 * time.Microsecond}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"address": "127.0.0.1:1", "outcome": "ok", "handshakeMs": 1.5, "resumeMs": 0.25,
		"revocation": "good", "verified": true, "clientCertRefused": false, "peerChain": []any{}, "tlsVersion": ""}
	for k, v := range want {
		got, ok := m[k]
		if !ok {
			t.Errorf("key %q missing in %s", k, b)
			continue
		}
		if gb, _ := json.Marshal(got); !bytes.Equal(gb, mustJSON(t, v)) {
			t.Errorf("%s = %s, want %v", k, gb, v)
		}
	}
	for _, k := range []string{"HandshakeTime", "handshakeTime", "ResumeTime"} {
		if _, ok := m[k]; ok {
			t.Errorf("key %q in %s", k, b)
		}
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.HandshakeTime != r.HandshakeTime || back.ResumeTime != r.ResumeTime || back.Address != r.Address || back.Outcome() != OutcomeOK {
		t.Errorf("round trip: %+v", back)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOutcome(t *testing.T) {
	tests := []struct {
		r    Result
		want Outcome
	}{
		{Result{Verified: true, Revocation: RevocationGood}, OutcomeOK},
		{Result{Verified: true, Revocation: RevocationUnchecked}, OutcomeOK},
		{Result{Verified: true, Revocation: RevocationRevoked}, OutcomeRevoked},
		{Result{Verified: false, Revocation: RevocationGood}, OutcomeFailed},
		{Result{Verified: true, Error: "x"}, OutcomeFailed},
		{Result{Verified: false, Error: "x", ClientCertRefused: true}, OutcomeRefused},
		{Result{Verified: true, Revocation: RevocationRevoked, ClientCertRefused: true}, OutcomeRefused},
	}
	for _, tt := range tests {
		if got := tt.r.Outcome(); got != tt.want {
			t.Errorf("%+v: %s, want %s", tt.r, got, tt.want)
		}
	}
}

func TestCheckCRL(t *testing.T) {
	p := newTestPKI(t, "Home")
	foreign := newTestPKI(t, "Foreign")
	good := p.issue(t, leafOptions{cn: "good", server: true})
	bad := p.issue(t, leafOptions{cn: "bad", server: true})
	now := time.Now()
	current := p.crl(t, now.Add(-time.Hour), now.Add(time.Hour), p.interKey, big.NewInt(7), bad.cert.SerialNumber)
	tampered := bytes.Clone(current)
	tampered[len(tampered)-3] ^= 0xff // inside the signature
	otherKey := newKey(t)
	tests := []struct {
		name    string
		crl     []byte
		leaf    *x509.Certificate
		issuer  *x509.Certificate
		want    Revocation
		wantErr string
	}{
		{"good", current, good.cert, p.inter, RevocationGood, ""},
		{"revoked", current, bad.cert, p.inter, RevocationRevoked, ""},
		{"tampered signature", tampered, bad.cert, p.inter, RevocationUnchecked, "signature"},
		{"signed by another key", p.crl(t, now.Add(-time.Hour), now.Add(time.Hour), otherKey, bad.cert.SerialNumber), bad.cert, p.inter, RevocationUnchecked, "signature"},
		{"expired", p.crl(t, now.Add(-2*time.Hour), now.Add(-time.Hour), p.interKey, bad.cert.SerialNumber), bad.cert, p.inter, RevocationUnchecked, "expired"},
		{"not yet valid", p.crl(t, now.Add(time.Hour), now.Add(2*time.Hour), p.interKey), good.cert, p.inter, RevocationUnchecked, "not valid yet"},
		{"CRL of another issuer", foreign.crl(t, now.Add(-time.Hour), now.Add(time.Hour), foreign.interKey), good.cert, p.inter, RevocationUnchecked, "not by the certificate's issuer"},
		{"issuer is not the leaf's", current, good.cert, p.root, RevocationUnchecked, "was issued by"},
		{"garbage", []byte("not a crl"), good.cert, p.inter, RevocationUnchecked, "parsing"},
		{"no issuer", current, good.cert, nil, RevocationUnchecked, "needs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckCRL(tt.crl, tt.leaf, tt.issuer, now)
			if got != tt.want {
				t.Errorf("revocation %s, want %s", got, tt.want)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestFetchCRL(t *testing.T) {
	p := newTestPKI(t, "Home")
	der := p.crl(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), p.interKey)
	pemCRL := append([]byte("a comment\n"), pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/der":
			w.Write(der)
		case "/pem":
			w.Write(pemCRL)
		case "/cert-pem":
			w.Write(p.rootPEM)
		case "/chunked":
			for range 100 {
				w.Write(der[:100])
				w.(http.Flusher).Flush()
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	for _, path := range []string{"/der", "/pem"} {
		got, err := FetchCRL(ctx, srv.URL+path, nil)
		if err != nil || !bytes.Equal(got, der) {
			t.Errorf("FetchCRL(%s): %d bytes, %v", path, len(got), err)
		}
	}
	for path, want := range map[string]string{"/missing": "404", "/cert-pem": "X509 CRL"} {
		if _, err := FetchCRL(ctx, srv.URL+path, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("FetchCRL(%s): %v, want an error mentioning %q", path, err, want)
		}
	}
	// The size limit, lowered: with and without a Content-Length.
	if _, err := fetchCRL(ctx, srv.URL+"/der", nil, int64(len(der)-1)); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Errorf("fetchCRL over the limit: %v", err)
	}
	if _, err := fetchCRL(ctx, srv.URL+"/chunked", nil, 1000); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Errorf("fetchCRL over the limit, chunked: %v", err)
	}
	if _, err := FetchCRL(ctx, "ldap://example.com/cn=crl", nil); err == nil {
		t.Errorf("FetchCRL(ldap://) succeeded")
	}

	// HTTPS from a server a private root vouches for: verified against the
	// roots given, not only the system's.
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(der) }))
	defer tlsSrv.Close()
	if _, err := FetchCRL(ctx, tlsSrv.URL, nil); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("FetchCRL over HTTPS with the system's roots: %v, want a certificate error", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(tlsSrv.Certificate())
	if got, err := FetchCRL(ctx, tlsSrv.URL, roots); err != nil || !bytes.Equal(got, der) {
		t.Errorf("FetchCRL over HTTPS with its root: %d bytes, %v", len(got), err)
	}
}
