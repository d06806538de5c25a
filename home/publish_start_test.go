package home_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
)

// TestPublishFlagsCheck: each bad value is refused with a message naming
// its flag; good flags give their values.
func TestPublishFlagsCheck(t *testing.T) {
	taken := filepath.Join(t.TempDir(), "taken")
	if err := os.WriteFile(taken, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		f    home.PublishFlags
		want error
		msg  string
	}{
		{"signer", home.PublishFlags{Addr: "127.0.0.1:0", OCSPSigner: "root"}, ca.ErrUsage, `--ocsp-signer "root": want issuer or delegated`},
		{"refresh", home.PublishFlags{Addr: "127.0.0.1:0", OCSPSigner: "issuer", CRLRefresh: "hourly"}, csr.ErrBadDuration, "--crl-refresh: "},
		{"addr", home.PublishFlags{Addr: "localhost", OCSPSigner: "issuer"}, ca.ErrUsage, `--addr "localhost": want HOST:PORT, such as 127.0.0.1:8080`},
		{"ready", home.PublishFlags{Addr: "127.0.0.1:0", OCSPSigner: "issuer", ReadyFile: taken}, ca.ErrExists, "--ready-file " + taken + " exists"},
		{"ready before the flags", home.PublishFlags{Addr: "localhost", OCSPSigner: "root", ReadyFile: taken}, ca.ErrExists, "--ready-file " + taken + " exists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.f.Check()
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %v saying %q", err, tc.want, tc.msg)
			}
		})
	}
	c, err := home.PublishFlags{Addr: "127.0.0.1:0", OCSPSigner: "delegated", CRLRefresh: "1h"}.Check()
	if err != nil || !c.Delegated || c.CRLMaxAge != time.Hour {
		t.Fatalf("config %+v, %v", c, err)
	}
}

// TestStartPublish: publish serves the issuers' certificates, writes its
// URL to the ready file and removes it when it stops.
func TestStartPublish(t *testing.T) {
	h := newHome(t)
	ready := filepath.Join(t.TempDir(), "ready")
	c, err := home.PublishFlags{Addr: "127.0.0.1:0", OCSPSigner: "issuer", ReadyFile: ready}.Check()
	if err != nil {
		t.Fatal(err)
	}
	l, start, err := home.StartPublish(context.Background(), homeOf(h), c, log.New(io.Discard, "", 0))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx) }()
	if !strings.HasPrefix(start.URL, "http://127.0.0.1:") || start.OCSP != start.URL+"ocsp" {
		t.Errorf("start %+v", start)
	}
	if data, err := os.ReadFile(ready); err != nil || string(data) != start.URL+"\n" {
		t.Errorf("ready file %q, %v", data, err)
	}
	resp, err := http.Get(start.URL + "ca/root.crt")
	if err != nil {
		t.Fatal(err)
	}
	der, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	root, rerr := home.ReadCertChainFile(h.IssuerFile("root", home.FileCert))
	if err != nil || rerr != nil || !bytes.Equal(der, root[0].Raw) {
		t.Errorf("GET ca/root.crt: %d bytes (%v, %v), want the root", len(der), err, rerr)
	}
	var text bytes.Buffer
	if err := start.WriteText(&text); err != nil || !strings.HasPrefix(text.String(), "publishing "+start.URL+": CRLs at crl/NAME.crl") {
		t.Errorf("text %q, %v", text.String(), err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	l.Close()
	if _, err := os.Stat(ready); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ready file after stop: %v", err)
	}
}
