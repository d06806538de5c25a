package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// liveConns are the connections the liveconn script command keeps open,
// keyed by script and name.
var liveConns sync.Map

// liveLimit bounds how long liveconn waits for serve to close a revoked
// client's connection: serve promises about a second; the margin is for a
// loaded machine.
const liveLimit = 5 * time.Second

func init() {
	// liveconn open NAME h1|h2 CHAIN KEY CAFILE HOSTPORT: opens one
	// connection to HOSTPORT (HTTP/1.1 or HTTP/2 only) with the client
	// certificate CHAIN and its KEY, trusting CAFILE, and GETs
	// /handshake.json on it (200 wanted). The connection stays open.
	// liveconn closed NAME: the server closes that connection within 5s,
	// with nothing sent, and a request on it then fails. With !, the
	// connection is still open and a request on it is answered 200.
	scriptCmds["liveconn"] = func(ts *testscript.TestScript, neg bool, args []string) {
		switch {
		case len(args) == 7 && args[0] == "open" && !neg:
			cc, err := openLiveConn(ts, args[2] == "h2", args[3], args[4], args[5], args[6])
			ts.Check(err)
			liveConns.Store(fmt.Sprintf("%p/%s", ts, args[1]), cc)
			ts.Defer(func() { cc.Close() })
			st, err := liveGet(cc)
			if err != nil || st != http.StatusOK {
				ts.Fatalf("liveconn %s: first request: %d, %v", args[1], st, err)
			}
		case len(args) == 2 && args[0] == "closed":
			v, ok := liveConns.Load(fmt.Sprintf("%p/%s", ts, args[1]))
			if !ok {
				ts.Fatalf("liveconn: no connection %s", args[1])
			}
			checkLiveClosed(ts, v.(*http.ClientConn), neg)
		default:
			ts.Fatalf("usage: liveconn open NAME h1|h2 CHAIN KEY CAFILE HOSTPORT | liveconn closed NAME")
		}
	}
}

func openLiveConn(ts *testscript.TestScript, h2 bool, chain, key, caFile, hostport string) (*http.ClientConn, error) {
	cert, err := tls.LoadX509KeyPair(ts.MkAbs(chain), ts.MkAbs(key))
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(ts.MkAbs(caFile))
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no certificate in %s", caFile)
	}
	tr := &http.Transport{Protocols: new(http.Protocols),
		TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}}}
	tr.Protocols.SetHTTP1(!h2)
	tr.Protocols.SetHTTP2(h2)
	ctx, cancel := context.WithTimeout(context.Background(), liveLimit)
	defer cancel()
	return tr.NewClientConn(ctx, "https", hostport)
}

// liveGet GETs /handshake.json on cc and returns the status.
func liveGet(cc *http.ClientConn) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), liveLimit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://localhost/handshake.json", nil)
	if err != nil {
		return 0, err
	}
	resp, err := cc.RoundTrip(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

func checkLiveClosed(ts *testscript.TestScript, cc *http.ClientConn, neg bool) {
	if neg {
		if st, err := liveGet(cc); err != nil || st != http.StatusOK {
			ts.Fatalf("liveconn: want the connection open and served: %d, %v", st, err)
		}
		return
	}
	start := time.Now()
	for cc.Err() == nil {
		if time.Since(start) > liveLimit {
			ts.Fatalf("liveconn: the connection is still open %v later", liveLimit)
		}
		time.Sleep(10 * time.Millisecond)
	}
	ts.Logf("liveconn: closed after %v", time.Since(start).Round(10*time.Millisecond))
	if st, err := liveGet(cc); err == nil {
		ts.Fatalf("liveconn: a request on the closed connection got %d", st)
	}
}
