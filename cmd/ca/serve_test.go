package main

import (
	"bytes"
	"context"
	"crypto/x509/pkix"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
	"github.com/ca-toolkit/ca/store"
)

// Script commands of the serve and probe scripts: client and server
// certificates, revocations and CRLs through the real commands.
func init() {
	// tlsleaf [-home DIR] [-issuer NAME] [-profile P] [-dns A,B] [-ip A,B]
	// [-validity D] [-keypass FILE] CN PREFIX [VAR]: issues and records a
	// leaf with a new ECDSA key; writes PREFIX.crt (the leaf),
	// PREFIX.chain.pem (the leaf and its intermediates) and PREFIX.key
	// (0600, encrypted with the first line of -keypass when given); sets
	// VAR to the serial. Issuer keys open with $CA_PASSPHRASE_FILE. It runs
	// "ca issue".
	scriptCmds["tlsleaf"] = func(ts *testscript.TestScript, neg bool, args []string) {
		fs := flag.NewFlagSet("tlsleaf", flag.ContinueOnError)
		home := fs.String("home", ts.Getenv("CA_HOME"), "")
		issuer := fs.String("issuer", "", "")
		profile := fs.String("profile", "client", "")
		dns := fs.String("dns", "", "")
		ips := fs.String("ip", "", "")
		validity := fs.Duration("validity", 24*time.Hour, "")
		keyPass := fs.String("keypass", "", "")
		ts.Check(fs.Parse(args))
		if neg || fs.NArg() < 2 || fs.NArg() > 3 {
			ts.Fatalf("usage: tlsleaf [-home DIR] [-issuer NAME] [-profile P] [-dns A,B] [-ip A,B] [-validity D] [-keypass FILE] CN PREFIX [VAR]")
		}
		l := serveTestLeaf{home: ts.MkAbs(*home), issuer: *issuer, profile: *profile, validity: *validity, cn: fs.Arg(0)}
		serial := issueWithCommand(ts, l, *dns, *ips, *keyPass, ts.MkAbs(fs.Arg(1)))
		if fs.NArg() == 3 {
			ts.Setenv(fs.Arg(2), serial)
		}
	}
	// readyurl FILE: sets URL to the URL in the ready file of "ca serve"
	// and HOSTPORT to its host:port.
	scriptCmds["readyurl"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: readyurl FILE")
		}
		raw := strings.TrimSpace(ts.ReadFile(args[0]))
		u, err := url.Parse(raw)
		ts.Check(err)
		if u.Scheme != "https" || u.Port() == "" || u.Port() == "0" {
			ts.Fatalf("ready file holds %q, want https://HOST:PORT/", raw)
		}
		ts.Setenv("URL", raw)
		ts.Setenv("HOSTPORT", u.Host)
	}
	// sigterm: sends SIGTERM to the background commands (testscript's kill
	// knows only INT and KILL).
	scriptCmds["sigterm"] = func(ts *testscript.TestScript, neg bool, args []string) {
		for _, c := range ts.BackgroundCmds() {
			c.Process.Signal(syscall.SIGTERM) // one that has exited already is no error here
		}
	}
	// sleep D: waits for the duration D (time.ParseDuration), for a
	// revocation to reach a running "ca serve", which promises one second.
	scriptCmds["sleep"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: sleep DURATION")
		}
		d, err := time.ParseDuration(args[0])
		ts.Check(err)
		time.Sleep(d)
	}
	// revokeserial SERIAL: revokes with "ca revoke --lock-timeout 3s" in its
	// own process, which fails when another process (a running "ca serve")
	// holds the store.
	scriptCmds["revokeserial"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: revokeserial SERIAL")
		}
		ts.Check(ts.Exec("ca", "revoke", "--lock-timeout", "3s", args[0]))
	}
	// crlexport [-home DIR] ISSUER OUT: exports the issuer's next CRL to OUT
	// (PEM) with "ca crl export".
	scriptCmds["crlexport"] = func(ts *testscript.TestScript, neg bool, args []string) {
		fs := flag.NewFlagSet("crlexport", flag.ContinueOnError)
		home := fs.String("home", ts.Getenv("CA_HOME"), "")
		ts.Check(fs.Parse(args))
		if neg || fs.NArg() != 2 {
			ts.Fatalf("usage: crlexport [-home DIR] ISSUER OUT")
		}
		ts.Check(ts.Exec("ca", "--home", ts.MkAbs(*home), "crl", "export", "--issuer", fs.Arg(0), "--out", ts.MkAbs(fs.Arg(1))))
	}
}

// issueWithCommand runs "ca -o json issue" for l into a temporary
// directory and moves its files to PREFIX.crt, PREFIX.chain.pem and
// PREFIX.key; it returns the serial.
func issueWithCommand(ts *testscript.TestScript, l serveTestLeaf, dns, ips, keyPass, prefix string) string {
	out, err := os.MkdirTemp(filepath.Dir(prefix), ".tlsleaf-")
	ts.Check(err)
	defer os.RemoveAll(out)
	args := []string{"--home", l.home, "-o", "json", "issue", "--cn", l.cn, "--profile", l.profile,
		"--validity", strconv.Itoa(int(l.validity.Hours())) + "h", "--out-dir", out}
	if l.issuer != "" {
		args = append(args, "--issuer", l.issuer)
	}
	for _, d := range strings.Split(dns, ",") {
		if d != "" {
			args = append(args, "--dns", d)
		}
	}
	for _, ip := range strings.Split(ips, ",") {
		if ip != "" {
			args = append(args, "--ip", ip)
		}
	}
	if keyPass != "" {
		args = append(args, "--key-passphrase-file", ts.MkAbs(keyPass))
	} else {
		args = append(args, "--no-passphrase")
	}
	ts.Check(ts.Exec("ca", args...))
	var res struct {
		Serial, File, Chain, Key string
	}
	ts.Check(json.Unmarshal([]byte(ts.ReadFile("stdout")), &res))
	for from, to := range map[string]string{res.File: ".crt", res.Chain: ".chain.pem", res.Key: ".key"} {
		ts.Check(os.Rename(from, prefix+to))
	}
	return res.Serial
}

func withTestStore(home string, fn func(*store.Bolt) error) error {
	st, err := store.Open(filepath.Join(home, "ca.db"), store.Options{Timeout: 3 * time.Second, Actor: ca.Actor{Command: "test"}})
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

// newTestIssuer loads the named issuer (default: the home's default) of
// the home in st.
func newTestIssuer(st *store.Bolt, home, name string, pass []byte) (*ca.Issuer, *ca.Hierarchy, error) {
	ctx := context.Background()
	set, err := ca.LoadHierarchy(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	rec, err := set.Resolve(name)
	if err != nil {
		return nil, nil, err
	}
	data, err := os.ReadFile(filepath.Join(home, "issuers", rec.Name, "key.pem"))
	if err != nil {
		return nil, nil, err
	}
	if !pem.IsEncryptedKey(data) {
		pass = nil
	}
	key, err := pem.ParsePrivateKey(data, pass)
	if err != nil {
		return nil, nil, err
	}
	iss, err := ca.NewIssuer(ca.IssuerConfig{Name: rec.Name, Cert: set.Certificate(rec.Name), Chain: set.Parents(rec.Name), Signer: key, Store: st})
	return iss, set, err
}

// serveTestLeaf is a leaf for the serve and probe scripts.
type serveTestLeaf struct {
	home, issuer, profile, cn string
	dns                       []string
	ips                       []net.IP
	validity                  time.Duration
	issuerPass, keyPass       []byte
}

func (l serveTestLeaf) issue(prefix string) (string, error) {
	var serial string
	err := withTestStore(l.home, func(st *store.Bolt) error {
		iss, _, err := newTestIssuer(st, l.home, l.issuer, l.issuerPass)
		if err != nil {
			return err
		}
		prof, err := ca.LookupProfile(l.profile)
		if err != nil {
			return err
		}
		key, err := pem.GenerateKey(pem.ECDSAP256)
		if err != nil {
			return err
		}
		is := iss.Certificate().Subject
		issued, err := iss.IssueLeaf(context.Background(), ca.Leaf{
			Subject:   pkix.Name{CommonName: l.cn, Organization: is.Organization, Country: is.Country},
			PublicKey: key.Public(), DNSNames: l.dns, IPAddresses: l.ips, Profile: prof, Validity: l.validity,
		})
		if err != nil {
			return err
		}
		keyPEM, err := pem.MarshalPrivateKeyCost(key, l.keyPass, 14)
		if err != nil {
			return err
		}
		chain := append([]byte(nil), pem.Encode(pem.TypeCertificate, issued.Cert.Raw)...)
		parents := iss.Chain()
		for _, c := range parents[:len(parents)-1] {
			chain = append(chain, pem.Encode(pem.TypeCertificate, c.Raw)...)
		}
		serial = ca.FormatSerial(issued.Cert.SerialNumber)
		return place.WriteFiles(
			place.File{Path: prefix + ".crt", Data: pem.Encode(pem.TypeCertificate, issued.Cert.Raw)},
			place.File{Path: prefix + ".chain.pem", Data: chain},
			place.File{Path: prefix + ".key", Data: keyPEM, Mode: 0o600},
		)
	})
	if err != nil {
		return "", fmt.Errorf("tlsleaf %s: %w", l.cn, err)
	}
	return serial, nil
}

// serveRun runs a command to its end and fails the test unless it exits 0.
// "ca" is the test binary, which testscript.Main puts on PATH.
func serveRun(t testing.TB, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// serveStartBinary starts "ca serve" on a free port of 127.0.0.1, waits for
// its ready file and returns its URL; at the end of the test it stops it
// with SIGTERM and checks that it exits 0.
func serveStartBinary(t testing.TB, home string, args ...string) string {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	return startWithReadyFile(t, ready, "ca", append([]string{"--home", home, "serve", "--addr", "127.0.0.1:0", "--ready-file", ready}, args...)...)
}

// startWithReadyFile starts a server process that writes its URL to ready,
// waits for the file and returns the URL; at the end of the test it stops
// the process with SIGTERM and checks that it exits 0.
func startWithReadyFile(t testing.TB, ready, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s did not stop cleanly on SIGTERM: %v\n%s", name, err, stderr.String())
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Errorf("%s did not stop within 20s of SIGTERM", name)
		}
	})
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if data, err := os.ReadFile(ready); err == nil && len(data) > 0 {
			return strings.TrimSpace(string(data))
		}
		select {
		case err := <-done:
			t.Fatalf("%s exited before it was ready: %v\n%s", name, err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not ready within 20s:\n%s", name, stderr.String())
		}
	}
}
