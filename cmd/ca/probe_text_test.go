package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

// TestProbeTextQuotesServerNames: a hostile server's certificate subject
// with a newline and terminal escapes cannot forge lines of probe's text
// (a fake "outcome ok") or reach the terminal raw: it is printed quoted.
func TestProbeTextQuotesServerNames(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	evil := "localhost\n  outcome     ok\x1b[2K"
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: evil},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				c.(*tls.Conn).Handshake()
				c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
			}(c)
		}
	}()
	r := runCA(t, t.TempDir(), nil, "probe", ln.Addr().String())
	if r.code != exitVerify {
		t.Errorf("probe of a self-signed server: exit %d, want %d\n%s%s", r.code, exitVerify, r.stdout, r.stderr)
	}
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.TrimSpace(line) == "outcome     ok" || strings.Contains(line, "\x1b") {
			t.Errorf("the server's subject reached the output raw: %q", line)
		}
	}
	if !strings.Contains(r.stdout, `"CN=localhost\n  outcome     ok\x1b[2K"`) {
		t.Errorf("the subject is not shown quoted:\n%s", r.stdout)
	}
}
