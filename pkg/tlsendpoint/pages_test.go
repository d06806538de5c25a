package tlsendpoint

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestPages(t *testing.T) {
	p := newTestPKI(t, "Home")
	srvLeaf := p.issue(t, leafOptions{cn: "localhost", server: true})
	alice := p.issue(t, leafOptions{cn: "alice", client: true})
	crlDER := p.crl(t, time.Now().Add(-time.Minute), time.Now().Add(time.Hour), p.interKey)
	revs := newRevocations()
	_, addr := newTestServer(t, ServerConfig{
		Certificate:   srvLeaf.chain,
		Roots:         p.roots,
		Intermediates: p.inters,
		ClientAuth:    ClientAuthRequest,
		Revoked:       revs.source,
		CAPEM:         p.rootPEM,
		CRL:           func(context.Context) ([]byte, error) { return crlDER, nil },
	})
	port := addr[strings.LastIndex(addr, ":")+1:]
	base := "https://localhost:" + port

	get := func(t *testing.T, client *http.Client, path string) (*http.Response, []byte) {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		return resp, body
	}

	h2 := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: p.roots, Certificates: []tls.Certificate{alice.chain}},
		ForceAttemptHTTP2: true,
	}}
	defer h2.CloseIdleConnections()
	h1 := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: p.roots, MaxVersion: tls.VersionTLS12},
	}}
	defer h1.CloseIdleConnections()

	t.Run("handshake.json over HTTP/2 with a client certificate", func(t *testing.T) {
		resp, body := get(t, h2, "/handshake.json")
		if resp.ProtoMajor != 2 {
			t.Errorf("protocol %s, want HTTP/2", resp.Proto)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("%v in %s", err, body)
		}
		for _, k := range []string{"tlsVersion", "cipherSuite", "resumed", "alpn", "serverName", "clientCertificate", "serverChain"} {
			if _, ok := m[k]; !ok {
				t.Errorf("key %q missing in %s", k, body)
			}
		}
		var h handshakeInfo
		if err := json.Unmarshal(body, &h); err != nil {
			t.Fatal(err)
		}
		if h.TLSVersion != "TLS 1.3" || h.ALPN != "h2" || h.ServerName != "localhost" || h.Resumed || !strings.HasPrefix(h.CipherSuite, "TLS_") {
			t.Errorf("handshake %+v", h)
		}
		if h.ClientCertificate == nil || h.ClientCertificate.Serial != serialHex(alice.cert) || h.ClientCertificate.Subject != alice.cert.Subject.String() {
			t.Errorf("clientCertificate %+v, want alice %s", h.ClientCertificate, serialHex(alice.cert))
		}
		if len(h.ServerChain) != 2 || h.ServerChain[0].Serial != serialHex(srvLeaf.cert) || h.ServerChain[1].Subject != p.inter.Subject.String() {
			t.Errorf("serverChain %+v", h.ServerChain)
		}
		if !strings.Contains(string(body), `"notAfter": "`+srvLeaf.cert.NotAfter.UTC().Format(time.RFC3339)+`"`) {
			t.Errorf("notAfter is not RFC 3339 UTC in %s", body)
		}
		if serial := h.ServerChain[0].Serial; serial != strings.ToLower(serial) {
			t.Errorf("serial %s is not lower-case", serial)
		}
	})

	t.Run("index over HTTP/1.1 without a client certificate", func(t *testing.T) {
		resp, body := get(t, h1, "/")
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("Content-Type %q", ct)
		}
		page := string(body)
		for _, want := range []string{"TLS 1.2", `<td id="alpn">none</td>`, `<td id="resumed">no</td>`,
			`<p id="client-certificate">none</p>`, serialHex(srvLeaf.cert), "CN=Home Intermediate"} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q:\n%s", want, page)
			}
		}
		_, body = get(t, h1, "/handshake.json")
		if !bytes.Contains(body, []byte(`"clientCertificate": null`)) {
			t.Errorf("clientCertificate is not null: %s", body)
		}
	})

	t.Run("index with a client certificate", func(t *testing.T) {
		_, body := get(t, h2, "/")
		for _, want := range []string{"TLS 1.3", "CN=alice", serialHex(alice.cert), alice.cert.NotAfter.UTC().Format(time.RFC3339)} {
			if !strings.Contains(string(body), want) {
				t.Errorf("page lacks %q", want)
			}
		}
	})

	t.Run("ca.pem and crl", func(t *testing.T) {
		_, body := get(t, h1, "/ca.pem")
		if !bytes.Equal(body, p.rootPEM) {
			t.Errorf("/ca.pem differs from the root")
		}
		resp, body := get(t, h1, "/crl")
		if ct := resp.Header.Get("Content-Type"); ct != "application/pkix-crl" {
			t.Errorf("/crl Content-Type %q", ct)
		}
		if !bytes.Equal(body, crlDER) {
			t.Errorf("/crl differs from the CRL")
		}
		resp, err := h1.Get(base + "/nothing")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("/nothing: %s", resp.Status)
		}
	})

	t.Run("crl and ca.pem missing or failing", func(t *testing.T) {
		s, err := NewServer(ServerConfig{Certificate: srvLeaf.chain,
			CRL: func(context.Context) ([]byte, error) { return nil, errors.New("store locked") }})
		if err != nil {
			t.Fatal(err)
		}
		addr := startServer(t, s)
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.roots}}}
		defer client.CloseIdleConnections()
		for path, want := range map[string]int{"/crl": http.StatusInternalServerError, "/ca.pem": http.StatusNotFound} {
			resp, err := client.Get("https://" + addr + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("%s: %s, want %d", path, resp.Status, want)
			}
		}
	})
}
