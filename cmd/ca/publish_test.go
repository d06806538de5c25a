package main

import (
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Script commands of the publish scripts.
func init() {
	// freeport VAR: sets VAR to a TCP port on 127.0.0.1 that was free a
	// moment ago, for URLs that must name publish's port before it starts.
	scriptCmds["freeport"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: freeport VAR")
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		ts.Setenv(args[0], strconv.Itoa(port))
	}
	// httpget [-post FILE] [-type T] URL OUT: fetches URL (GET, or POST of
	// FILE with content type T) into OUT and prints the status code and
	// the Content-Type and Cache-Control headers, one per line.
	scriptCmds["httpget"] = func(ts *testscript.TestScript, neg bool, args []string) {
		method, body, ctype := http.MethodGet, io.Reader(nil), "application/ocsp-request"
		for len(args) > 2 && strings.HasPrefix(args[0], "-") {
			switch args[0] {
			case "-post":
				data, err := os.ReadFile(ts.MkAbs(args[1]))
				ts.Check(err)
				method, body = http.MethodPost, strings.NewReader(string(data))
			case "-type":
				ctype = args[1]
			}
			args = args[2:]
		}
		if neg || len(args) != 2 {
			ts.Fatalf("usage: httpget [-post FILE] [-type T] URL OUT")
		}
		req, err := http.NewRequest(method, args[0], body)
		ts.Check(err)
		if body != nil {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		ts.Check(err)
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		ts.Check(err)
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), data, 0o644))
		ts.Logf("status %d", resp.StatusCode)
		_, err = io.WriteString(ts.Stdout(), "status "+strconv.Itoa(resp.StatusCode)+"\ncontent-type "+resp.Header.Get("Content-Type")+
			"\ncache-control "+resp.Header.Get("Cache-Control")+"\n")
		ts.Check(err)
	}
	// publishurl FILE: sets URL to the URL in the ready file of "ca
	// publish" (http://HOST:PORT/).
	scriptCmds["publishurl"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: publishurl FILE")
		}
		raw := strings.TrimSpace(ts.ReadFile(args[0]))
		u, err := url.Parse(raw)
		ts.Check(err)
		if u.Scheme != "http" || u.Port() == "" || u.Port() == "0" {
			ts.Fatalf("ready file holds %q, want http://HOST:PORT/", raw)
		}
		ts.Setenv("URL", raw)
	}
	// ocsperror FILE STATUS: FILE is an unsigned OCSPResponse with the
	// error status STATUS (1 malformedRequest, 6 unauthorized).
	scriptCmds["ocsperror"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 2 {
			ts.Fatalf("usage: ocsperror FILE STATUS")
		}
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		got, err := os.ReadFile(ts.MkAbs(args[0]))
		ts.Check(err)
		if want := []byte{0x30, 0x03, 0x0a, 0x01, byte(n)}; string(got) != string(want) {
			ts.Fatalf("%s holds %x, want the OCSP error response %x", args[0], got, want)
		}
	}
	// ocspgeturl BASE REQ VAR: sets VAR to the RFC 5019 GET URL of the DER
	// OCSP request in file REQ under BASE (BASE/ocsp).
	scriptCmds["ocspgeturl"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 3 {
			ts.Fatalf("usage: ocspgeturl BASE REQ VAR")
		}
		der, err := os.ReadFile(ts.MkAbs(args[1]))
		ts.Check(err)
		ts.Setenv(args[2], strings.TrimSuffix(args[0], "/")+"/"+url.PathEscape(base64.StdEncoding.EncodeToString(der)))
	}
}
