package home_test

import (
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/tlsendpoint"
)

// serveDefaults are the defaults of "ca serve"'s flags.
func serveDefaults() home.ServeFlags {
	return home.ServeFlags{
		Addr: "127.0.0.1:8443", DNS: []string{"localhost"}, IPs: []string{"127.0.0.1"},
		ClientAuth: "none", TLSMin: "1.2", Validity: "24h", KeyType: "ecdsa-p256",
	}
}

// TestServeFlagsCheck: each bad value is refused with a message naming
// its flag, as bad input; a ready file that exists is ErrExists, one in a
// missing directory ErrNotFound; good flags give their values.
func TestServeFlagsCheck(t *testing.T) {
	dir := t.TempDir()
	taken := filepath.Join(dir, "taken")
	if err := os.WriteFile(taken, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		set  func(*home.ServeFlags)
		want error
		msg  string
	}{
		{"client auth", func(f *home.ServeFlags) { f.ClientAuth = "maybe" }, ca.ErrUsage, `--client-auth "maybe": use none, request or require`},
		{"tls min", func(f *home.ServeFlags) { f.TLSMin = "1.1" }, ca.ErrUsage, `--tls-min "1.1": use 1.2 or 1.3`},
		{"validity", func(f *home.ServeFlags) { f.Validity = "soon" }, csr.ErrBadDuration, "--validity: "},
		{"key type", func(f *home.ServeFlags) { f.KeyType = "dsa" }, pem.ErrUnknownKeyType, "dsa"},
		{"ip", func(f *home.ServeFlags) { f.IPs = []string{"localhost"} }, ca.ErrUsage, `--ip "localhost" is not an IP address`},
		{"no name", func(f *home.ServeFlags) { f.DNS, f.IPs = nil, nil }, ca.ErrUsage, "give --dns or --ip"},
		{"cert alone", func(f *home.ServeFlags) { f.CertFile = "x.pem" }, ca.ErrUsage, "--cert and --key go together"},
		{"addr", func(f *home.ServeFlags) { f.Addr = "8443" }, ca.ErrUsage, `--addr "8443": want HOST:PORT`},
		{"ready exists", func(f *home.ServeFlags) { f.ReadyFile = taken }, ca.ErrExists, "--ready-file " + taken + " exists"},
		{"ready dir", func(f *home.ServeFlags) { f.ReadyFile = filepath.Join(dir, "no", "ready") }, ca.ErrNotFound, "does not exist; create it first"},
		{"ready before the flags", func(f *home.ServeFlags) { f.ReadyFile, f.ClientAuth = taken, "maybe" }, ca.ErrExists, "--ready-file " + taken + " exists"},
		{"good", func(f *home.ServeFlags) {
			f.ClientAuth, f.TLSMin, f.ReadyFile = "require", "1.3", filepath.Join(dir, "ready")
		}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := serveDefaults()
			tc.set(&f)
			c, err := f.Check(openKey)
			if tc.want != nil {
				if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
					t.Fatalf("err = %v, want %v saying %q", err, tc.want, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.ClientAuth != tlsendpoint.ClientAuthRequire || c.TLSMin != tls.VersionTLS13 || c.Validity != 24*time.Hour ||
				len(c.IPs) != 1 || !c.IPs[0].IsLoopback() || c.Cert != nil || c.ReadyFile != f.ReadyFile {
				t.Fatalf("config %+v", c)
			}
		})
	}
}

// TestServeFlagsCheckUsageWords: a usage error's message is its own, not
// the sentinel's ("ca: bad input").
func TestServeFlagsCheckUsageWords(t *testing.T) {
	f := serveDefaults()
	f.TLSMin = "1.0"
	_, err := f.Check(openKey)
	if err == nil || err.Error() != `--tls-min "1.0": use 1.2 or 1.3` {
		t.Fatalf("err = %v", err)
	}
}
