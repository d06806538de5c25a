package home_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
)

// TestCSRPlanCreate makes a key and a request in real files: the key
// 0600 and encrypted with the passphrase, the request carrying the names
// and verifying; the report and its text say so.
func TestCSRPlanCreate(t *testing.T) {
	dir := t.TempDir()
	keyOut, out := filepath.Join(dir, "web.key"), filepath.Join(dir, "web.csr")
	plan, err := home.NewCSRPlan(home.CSRConfig{
		DN: home.DN{CN: "web.example.com", Org: "Example"}, SANs: home.SANs{DNS: []string{"web.example.com"}, IPs: []string{"192.0.2.7"}},
		KeyType: "ed25519", KeyOut: keyOut, Out: out, KDFCost: pem.MinKDFCost,
	})
	if err != nil {
		t.Fatal(err)
	}
	pass := []byte("correct horse battery staple")
	res, err := plan.Create(pass)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Trim(string(pass), "\x00") != "" {
		t.Error("the passphrase was not cleared")
	}
	if res.Key != keyOut || res.CSR != out || res.KeyType != "ed25519" || !res.Encrypted || res.Subject != "CN=web.example.com,O=Example" ||
		strings.Join(res.SANs, " ") != "web.example.com 192.0.2.7" {
		t.Errorf("report %+v", res)
	}
	if fi, err := os.Stat(keyOut); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key: %v %v", fi, err)
	}
	keyPEM, _ := os.ReadFile(keyOut)
	if _, err := pem.ParsePrivateKey(keyPEM, []byte("correct horse battery staple")); err != nil {
		t.Errorf("key does not open with the passphrase: %v", err)
	}
	csrPEM, _ := os.ReadFile(out)
	if string(csrPEM) != string(res.PEM) {
		t.Error("the request's file is not the PEM reported")
	}
	in := home.ReadCSR(out, nil)
	if in.Err != nil || in.CSR.DNSNames[0] != "web.example.com" || len(in.CSR.IPAddresses) != 1 {
		t.Errorf("request %v: %v", in.CSR, in.Err)
	}
	var b strings.Builder
	if err := res.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "wrote request " + out + " for CN=web.example.com,O=Example\n  key   " + keyOut + " (ed25519, encrypted)\n  names [web.example.com 192.0.2.7]\n"
	if b.String() != want {
		t.Errorf("text %q, want %q", b.String(), want)
	}
}

// TestCSRPlanStdout: with Out "-" only the key is written, unencrypted
// without a passphrase, and the request comes back.
func TestCSRPlanStdout(t *testing.T) {
	keyOut := filepath.Join(t.TempDir(), "d.key")
	plan, err := home.NewCSRPlan(home.CSRConfig{DN: home.DN{CN: "device-42"}, KeyOut: keyOut, Out: "-"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := plan.Create(nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Encrypted || res.KeyType != string(pem.ECDSAP256) || len(res.SANs) != 0 || res.SANs == nil {
		t.Errorf("report %+v", res)
	}
	der, _, err := pem.Decode(res.PEM, pem.MaxSize, pem.TypeCSR)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := csr.ParseDER(der); err != nil || c.Subject.CommonName != "device-42" {
		t.Errorf("request %v: %v", c, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(keyOut))
	if len(entries) != 1 {
		t.Errorf("%d files written, want the key alone", len(entries))
	}
}

// TestNewCSRPlanRefuses: every refusal comes before a key is made, and
// leaves no file.
func TestNewCSRPlanRefuses(t *testing.T) {
	dir := t.TempDir()
	exists := filepath.Join(dir, "exists.key")
	if err := os.WriteFile(exists, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	key, out := filepath.Join(dir, "a.key"), filepath.Join(dir, "a.csr")
	for _, tc := range []struct {
		name string
		cfg  home.CSRConfig
		is   error
		want string
	}{
		{"key type", home.CSRConfig{KeyType: "dsa", KeyOut: key, Out: out}, pem.ErrUnknownKeyType, ""},
		{"country", home.CSRConfig{DN: home.DN{Country: "Germany"}, KeyOut: key, Out: out}, ca.ErrUsage, "--country"},
		{"dns", home.CSRConfig{SANs: home.SANs{DNS: []string{"a b"}}, KeyOut: key, Out: out}, ca.ErrUsage, "--dns"},
		{"ip", home.CSRConfig{SANs: home.SANs{IPs: []string{"x"}}, KeyOut: key, Out: out}, ca.ErrUsage, "--ip"},
		{"key to stdout", home.CSRConfig{KeyOut: "-", Out: out}, ca.ErrUsage, "a private key never goes to stdout"},
		{"same file", home.CSRConfig{KeyOut: key, Out: filepath.Join(dir, ".", "a.key")}, ca.ErrUsage, "name the same file"},
		{"key exists", home.CSRConfig{KeyOut: exists, Out: out}, place.ErrExists, ""},
		{"request exists", home.CSRConfig{KeyOut: key, Out: exists}, place.ErrExists, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := home.NewCSRPlan(tc.cfg)
			if !errors.Is(err, tc.is) || !strings.Contains(fmt.Sprint(err), tc.want) {
				t.Fatalf("%v, want %v with %q", err, tc.is, tc.want)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files, want only the one there before", len(entries))
	}
}
