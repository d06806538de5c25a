package tlsendpoint

import (
	"context"
	"crypto/tls"
	"encoding/xml"
	"net"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/internal/testtool"
)

// goTLSServer serves handshakes with cfg on 127.0.0.1 until the test ends.
func goTLSServer(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				c.(*tls.Conn).Handshake()
			}()
		}
	}()
	return ln.Addr().String()
}

// TestScanGoServer scans crypto/tls servers limited to known versions,
// suites and groups, and finds exactly those.
func TestScanGoServer(t *testing.T) {
	p := newTestPKI(t, "Scan")
	cert := p.issue(t, leafOptions{cn: "localhost", server: true}).chain
	for _, tc := range []struct {
		name                     string
		cfg                      *tls.Config
		versions, suites, groups []string
		handshakeSig             string
	}{
		{"tls1.2 two suites two groups", &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
			CipherSuites:     []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
			CurvePreferences: []tls.CurveID{tls.CurveP256, tls.X25519}},
			[]string{"TLS 1.2"}, []string{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
			[]string{"x25519", "secp256r1"}, "ECDSAWithP256AndSHA256"},
		{"tls1.0 to 1.2 one CBC suite", &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS12,
			CipherSuites:     []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA},
			CurvePreferences: []tls.CurveID{tls.CurveP384}},
			[]string{"TLS 1.0", "TLS 1.1", "TLS 1.2"}, []string{"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"}, []string{"secp384r1"}, "ECDSAWithP256AndSHA256"},
		{"tls1.3 only", &tls.Config{MinVersion: tls.VersionTLS13, CurvePreferences: []tls.CurveID{tls.X25519MLKEM768, tls.CurveP521}},
			[]string{"TLS 1.3"}, nil, []string{"X25519MLKEM768", "secp521r1"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg.Clone()
			cfg.Certificates = []tls.Certificate{cert}
			addr := goTLSServer(t, cfg)
			res, err := Scan(context.Background(), ScanConfig{Address: addr})
			if err != nil {
				t.Fatal(err)
			}
			if tc.suites == nil { // TLS 1.3: the one suite the server picks
				if len(res.CipherSuites) != 1 || !strings.HasPrefix(res.CipherSuites[0], "TLS_AES_") && !strings.HasPrefix(res.CipherSuites[0], "TLS_CHACHA20") {
					t.Errorf("cipherSuites = %v, want one TLS 1.3 suite", res.CipherSuites)
				}
				tc.suites = res.CipherSuites
			}
			check(t, "versions", res.Versions, tc.versions)
			check(t, "cipherSuites", res.CipherSuites, tc.suites)
			check(t, "groups", res.Groups, tc.groups)
			if res.HandshakeSignature != tc.handshakeSig || res.CertificateSignature != "ECDSA-SHA256" || res.PublicKey != "ECDSA P-256" {
				t.Errorf("signatures: handshake %q, certificate %q, key %q", res.HandshakeSignature, res.CertificateSignature, res.PublicKey)
			}
			if res.Error != "" {
				t.Errorf("error %q after a scan that succeeded", res.Error)
			}
		})
	}
}

func check(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

// TestScanNothing: a port that refuses connections gives an empty result
// with the error; an address that does not parse is an error.
func TestScanNothing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	res, err := Scan(context.Background(), ScanConfig{Address: addr, Timeout: time.Second})
	if err != nil || len(res.Versions) != 0 || len(res.CipherSuites) != 0 || res.Error == "" || res.Groups == nil {
		t.Errorf("Scan of a closed port = %+v, %v", res, err)
	}
	if _, err := Scan(context.Background(), ScanConfig{Address: "http://x/"}); err == nil {
		t.Error("Scan of an http:// URL succeeded")
	}
}

// opensslServer runs "openssl s_server" with args on a free port of
// 127.0.0.1 and returns its address once it accepts connections.
func opensslServer(t *testing.T, openssl string, args ...string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, openssl, append([]string{"s_server", "-accept", addr, "-naccept", "1000", "-quiet"}, args...)...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
	}
	t.Fatalf("openssl s_server did not start:\n%s", out.String())
	return ""
}

// TestScanOpenSSL scans openssl s_server limited to known suites and
// groups, and compares with what sslscan finds on the same server.
func TestScanOpenSSL(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	p := newTestPKI(t, "OpenSSL")
	certFile, keyFile := writeLeafFiles(t, t.TempDir(), "server", p.issue(t, leafOptions{cn: "localhost", server: true}))
	for _, tc := range []struct {
		name                     string
		args                     []string
		versions, suites, groups []string
	}{
		{"tls1.2 one suite", []string{"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", "-groups", "P-256:X25519"},
			[]string{"TLS 1.2"}, []string{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}, []string{"x25519", "secp256r1"}},
		{"tls1.2 groups other than the certificate's", []string{"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", "-groups", "P-384:X25519"},
			[]string{"TLS 1.2"}, []string{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}, []string{"x25519", "secp384r1"}},
		{"tls1.2 three suites", []string{"-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-CHACHA20-POLY1305", "-groups", "P-384"},
			[]string{"TLS 1.2"}, []string{"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"}, []string{"secp384r1"}},
		{"tls1.3 one suite", []string{"-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256", "-groups", "X25519"},
			[]string{"TLS 1.3"}, []string{"TLS_CHACHA20_POLY1305_SHA256"}, []string{"x25519"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := opensslServer(t, openssl, append([]string{"-cert", certFile, "-key", keyFile}, tc.args...)...)
			res, err := Scan(context.Background(), ScanConfig{Address: addr, ServerName: "localhost"})
			if err != nil {
				t.Fatal(err)
			}
			check(t, "versions", res.Versions, tc.versions)
			check(t, "cipherSuites", sorted(res.CipherSuites), tc.suites)
			check(t, "groups", res.Groups, tc.groups)
			compareSSLScan(t, openssl, addr, res)
		})
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// sslscanXML is the part of "sslscan --xml=-" the comparison reads.
type sslscanXML struct {
	Protocols []struct {
		Type    string `xml:"type,attr"`
		Version string `xml:"version,attr"`
		Enabled string `xml:"enabled,attr"`
	} `xml:"ssltest>protocol"`
	Ciphers []struct {
		Status  string `xml:"status,attr"`
		Version string `xml:"sslversion,attr"`
		Cipher  string `xml:"cipher,attr"`
	} `xml:"ssltest>cipher"`
	Groups []struct {
		Version string `xml:"sslversion,attr"`
		Name    string `xml:"name,attr"`
	} `xml:"ssltest>group"`
}

// compareSSLScan runs sslscan on addr and checks that it and Scan agree:
// the same versions, the same (version, suite) pairs among the suites
// crypto/tls can offer (TLS 1.3: Scan's one suite is among sslscan's),
// the same classical groups.
func compareSSLScan(t *testing.T, openssl, addr string, res *ScanResult) {
	t.Helper()
	sslscan := testtool.Require(t, "sslscan")
	out, err := run(t, "", sslscan, "--xml=-", "--no-colour", "--no-fallback", "--no-renegotiation", "--no-heartbleed", "--sni-name=localhost", addr)
	if err != nil {
		t.Fatalf("sslscan: %v\n%s", err, out)
	}
	var x sslscanXML
	if err := xml.Unmarshal([]byte(out[strings.Index(out, "<?xml"):]), &x); err != nil {
		t.Fatalf("sslscan XML: %v\n%s", err, out)
	}
	var versions []string
	for _, p := range x.Protocols {
		if p.Type == "tls" && p.Enabled == "1" {
			versions = append(versions, "TLS "+p.Version)
		}
	}
	check(t, "sslscan versions", versions, res.Versions)
	iana := opensslToIANA(t, openssl)
	goSuites := map[string]bool{}
	for _, cs := range allSuites() {
		goSuites[cs.Name] = true
	}
	theirs, ours := map[string]bool{}, map[string]bool{}
	for _, c := range x.Ciphers {
		name := iana[c.Cipher]
		if name == "" {
			name = c.Cipher // TLS 1.3 suites have their IANA names in OpenSSL too
		}
		if c.Status != "accepted" && c.Status != "preferred" || !goSuites[name] {
			continue
		}
		theirs[strings.Replace(c.Version, "TLSv", "TLS ", 1)+" "+name] = true
	}
	for _, s := range res.Suites {
		for _, v := range s.Versions {
			ours[v+" "+s.Name] = true
		}
	}
	for k := range ours {
		if !theirs[k] {
			t.Errorf("Scan found %s, sslscan did not (sslscan: %v)", k, theirs)
		}
		delete(theirs, k)
	}
	for k := range theirs {
		if !strings.HasPrefix(k, "TLS 1.3 ") { // Go offers TLS 1.3 suites only all at once
			t.Errorf("sslscan found %s, Scan did not", k)
		}
	}
	var groups []string
	for _, g := range x.Groups {
		name, _, _ := strings.Cut(g.Name, " ")
		if !slices.Contains(groups, name) {
			groups = append(groups, name)
		}
	}
	var classical []string
	for _, g := range res.Groups {
		if !strings.Contains(g, "MLKEM") {
			classical = append(classical, g)
		}
	}
	// sslscan offers one group at a time also up to TLS 1.2, where the
	// server's ECDSA curve must be among them: it misses groups there that
	// Scan (which adds that curve) finds. What it finds, Scan finds.
	for _, g := range groups {
		if !slices.Contains(classical, g) {
			t.Errorf("sslscan found group %s, Scan did not (%v)", g, classical)
		}
	}
	if slices.Equal(res.Versions, []string{"TLS 1.3"}) {
		check(t, "sslscan groups", sorted(groups), sorted(classical))
	}
}

// opensslToIANA maps OpenSSL's cipher names to IANA's ("openssl ciphers
// -stdname").
func opensslToIANA(t *testing.T, openssl string) map[string]string {
	out, err := run(t, "", openssl, "ciphers", "-stdname", "ALL:@SECLEVEL=0")
	if err != nil {
		t.Fatalf("openssl ciphers: %v\n%s", err, out)
	}
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[1] == "-" {
			m[f[2]] = f[0]
		}
	}
	if len(m) == 0 {
		t.Fatalf("openssl ciphers -stdname gave no names:\n%s", out)
	}
	return m
}

// TestScanServe scans the TLS test endpoint itself (TLS 1.2 minimum, Go's
// secure suites for an ECDSA key) and compares with sslscan.
func TestScanServe(t *testing.T) {
	p := newTestPKI(t, "Serve")
	srvLeaf := p.issue(t, leafOptions{cn: "localhost", server: true})
	_, addr := newTestServer(t, ServerConfig{Certificate: srvLeaf.chain, CAPEM: p.rootPEM})
	res, err := Scan(context.Background(), ScanConfig{Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	check(t, "versions", res.Versions, []string{"TLS 1.2", "TLS 1.3"})
	for _, want := range []string{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"} {
		if !slices.Contains(res.CipherSuites, want) {
			t.Errorf("cipherSuites %v lack %s", res.CipherSuites, want)
		}
	}
	for _, s := range res.Suites {
		if s.Insecure {
			t.Errorf("ca serve accepts the insecure suite %s", s.Name)
		}
	}
	if !slices.Contains(res.Groups, "X25519MLKEM768") || !slices.Contains(res.Groups, "x25519") {
		t.Errorf("groups = %v", res.Groups)
	}
	compareSSLScan(t, testtool.Require(t, "openssl"), addr, res)
}
