package home_test

import (
	"bytes"
	"context"
	"errors"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/tlsendpoint"
)

// startServe starts the endpoint of h with f on a free port of 127.0.0.1
// and serves it until the test ends; its log goes to the returned buffer.
func startServe(t *testing.T, h *home.Home, f home.ServeFlags) (*home.ServeStart, *bytes.Buffer, func()) {
	t.Helper()
	f.Addr = "127.0.0.1:0"
	c, err := f.Check(openKey)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	l, start, err := home.StartServe(context.Background(), homeOf(h), c, log.New(&logged, "", 0))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx) }()
	stop := func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		l.Close()
	}
	t.Cleanup(func() {
		if ctx.Err() == nil {
			stop()
		}
	})
	return start, &logged, stop
}

// TestStartServe: serve issues itself a certificate, writes the URL to
// the ready file, answers a probe that verifies it with the home's roots
// and its store, and removes the ready file when it stops.
func TestStartServe(t *testing.T) {
	h := newHome(t)
	f := serveDefaults()
	f.ReadyFile = filepath.Join(t.TempDir(), "ready")
	start, logged, stop := startServe(t, h, f)
	if !strings.HasPrefix(start.URL, "https://127.0.0.1:") || start.CAFile != h.IssuerFile("root", home.FileCert) ||
		start.Issuer != "root" || start.ClientAuth != "none" || start.TLSMin != "1.2" || start.NotAfter.Location() != time.UTC {
		t.Fatalf("start %+v", start)
	}
	if data, err := os.ReadFile(f.ReadyFile); err != nil || string(data) != start.URL+"\n" {
		t.Fatalf("ready file: %q, %v", data, err)
	}
	var text bytes.Buffer
	if err := start.WriteText(&text); err != nil || text.String() != "serving "+start.URL+" (CA: "+start.CAFile+")\n" {
		t.Fatalf("text %q, %v", text.String(), err)
	}
	if logged.Len() != 0 {
		t.Errorf("logged %q", logged)
	}

	for _, tc := range []struct {
		expect string
		want   error
		msg    string
	}{
		{expect: ""},
		{expect: "ok"},
		{expect: "revoked", want: ca.ErrVerify, msg: "expected revoked, got ok"},
	} {
		req, err := home.ProbeFlags{Address: start.URL, Timeout: "10s", Expect: tc.expect}.Check()
		if err != nil {
			t.Fatal(err)
		}
		rep, err := home.Probe(context.Background(), homeOf(h), req, openKey)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Outcome() != tlsendpoint.OutcomeOK || !rep.Verified || !strings.HasPrefix(rep.Source, "store ") {
			t.Fatalf("probe: %s, verified %v, source %q, error %q", rep.Outcome(), rep.Verified, rep.Source, rep.Error)
		}
		if err := rep.Unexpected(); !errors.Is(err, tc.want) || (err != nil && err.Error() != tc.msg) {
			t.Errorf("expect %q: %v, want %v %q", tc.expect, err, tc.want, tc.msg)
		}
	}
	stop()
	if _, err := os.Stat(f.ReadyFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ready file after stop: %v", err)
	}
}

// TestStartServeReadyFileReplaced: a ready file that someone replaced
// while serve ran is left alone at the end.
func TestStartServeReadyFileReplaced(t *testing.T) {
	h := newHome(t)
	f := serveDefaults()
	f.ReadyFile = filepath.Join(t.TempDir(), "ready")
	_, _, stop := startServe(t, h, f)
	if err := os.WriteFile(f.ReadyFile, []byte("mine\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stop()
	if data, err := os.ReadFile(f.ReadyFile); err != nil || string(data) != "mine\n" {
		t.Fatalf("ready file: %q, %v; want it kept", data, err)
	}
}

// TestStartServeNameWarning: a certificate that does not name the host
// of the URL gets a warning saying how to reach the server.
func TestStartServeNameWarning(t *testing.T) {
	h := newHome(t)
	f := serveDefaults()
	f.DNS, f.IPs = []string{"web.example.test"}, nil
	start, logged, _ := startServe(t, h, f)
	if !strings.HasPrefix(start.URL, "https://127.0.0.1:") {
		t.Fatalf("URL %s", start.URL)
	}
	if want := "warning: the certificate does not name 127.0.0.1; connect with a name it certifies, e.g. curl --resolve web.example.test:"; !strings.HasPrefix(logged.String(), want) {
		t.Errorf("logged %q, want %q...", logged, want)
	}
}

// TestStartServeBusyPort: a port in use fails before the home is asked
// for (whose warnings "ca serve" would print first) and before anything
// is recorded or written.
func TestStartServeBusyPort(t *testing.T) {
	h := newHome(t)
	first, _, _ := startServe(t, h, serveDefaults())
	f := serveDefaults()
	f.Addr = strings.TrimSuffix(strings.TrimPrefix(first.URL, "https://"), "/")
	f.ReadyFile = filepath.Join(t.TempDir(), "ready")
	c, err := f.Check(openKey)
	if err != nil {
		t.Fatal(err)
	}
	before := countCerts(t, h)
	asked := func() *home.Home { t.Error("the home was asked for before the port was bound"); return h }
	if _, _, err := home.StartServe(context.Background(), asked, c, log.New(&bytes.Buffer{}, "", 0)); err == nil || !strings.HasPrefix(err.Error(), "serve: listen on "+f.Addr) {
		t.Fatalf("second serve on %s: %v", f.Addr, err)
	}
	p, err := home.PublishFlags{Addr: f.Addr, OCSPSigner: "issuer"}.Check()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := home.StartPublish(context.Background(), asked, p, log.New(&bytes.Buffer{}, "", 0)); err == nil || !strings.HasPrefix(err.Error(), "publish: listen on "+f.Addr) {
		t.Fatalf("publish on %s: %v", f.Addr, err)
	}
	if after := countCerts(t, h); after != before {
		t.Errorf("%d certificates recorded, want %d", after, before)
	}
	if _, err := os.Stat(f.ReadyFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ready file: %v", err)
	}
}

// countCerts counts the certificates of the home's store.
func countCerts(t *testing.T, h *home.Home) int {
	t.Helper()
	n := 0
	if _, err := h.List(context.Background(), ca.ListQuery{}, func(*ca.ListEntry) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}
