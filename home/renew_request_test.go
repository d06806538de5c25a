package home_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
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
)

func TestRenewRequestOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  home.RenewRequest
		want string // "" for none
		is   error
	}{
		{"nothing named", home.RenewRequest{}, "give one of SERIAL, --cert FILE or --expiring-within D", ca.ErrUsage},
		{"serial and cert", home.RenewRequest{Args: []string{"01"}, Cert: "a.crt"}, "give one of SERIAL", ca.ErrUsage},
		{"expiring without out dir", home.RenewRequest{Expiring: "30d"}, "--expiring-within needs --out-dir DIR", ca.ErrUsage},
		{"rekey to one file", home.RenewRequest{Args: []string{"01"}, Rekey: true, Out: "a.pem"}, "--rekey writes a key too: use --out-dir DIR", ca.ErrUsage},
		{"issuer of one", home.RenewRequest{Args: []string{"01"}, Issuer: "root"}, "--issuer goes with --expiring-within", ca.ErrUsage},
		{"bad validity", home.RenewRequest{Args: []string{"01"}, Validity: "1 year"}, "--validity: ", csr.ErrBadDuration},
		{"bad key type", home.RenewRequest{Args: []string{"01"}, Rekey: true, KeyType: "dsa"}, "dsa", pem.ErrUnknownKeyType},
		{"key type without rekey", home.RenewRequest{Args: []string{"01"}, KeyType: "dsa"}, "", nil},
		{"batch", home.RenewRequest{Expiring: "30d", OutDir: "out", Validity: "90d", Rekey: true, KeyType: "ed25519", RevokeOld: true}, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts, err := tc.req.Options()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tc.req.Rekey && (opts.KeyType != pem.Ed25519 || opts.Validity != 90*24*time.Hour || !opts.RevokeOld || opts.OutDir != "out") {
					t.Errorf("options %+v", opts)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, tc.is) {
				t.Fatalf("%v; want an error saying %q matching %v", err, tc.want, tc.is)
			}
		})
	}
}

// TestRenewRequestCheckNamed: a SERIAL that is not one and an
// --expiring-within that is not a duration are refused without a home; a
// --cert file is the caller's to read.
func TestRenewRequestCheckNamed(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  home.RenewRequest
		is   error
	}{
		{"serial", home.RenewRequest{Args: []string{"0a1f"}}, nil},
		{"bad serial", home.RenewRequest{Args: []string{"xyz"}}, ca.ErrBadSerial},
		{"expiring", home.RenewRequest{Expiring: "30d", OutDir: "out"}, nil},
		{"bad expiring", home.RenewRequest{Expiring: "soon", OutDir: "out"}, csr.ErrBadDuration},
		{"cert file", home.RenewRequest{Cert: "missing.crt"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.req.CheckNamed(); !errors.Is(err, tc.is) || (err == nil) != (tc.is == nil) {
				t.Fatalf("%v, want %v", err, tc.is)
			}
		})
	}
}

// issueOne signs a request for cn in h and returns its certificate.
func issueOne(t *testing.T, h *home.Home, cn string) *x509.Certificate {
	t.Helper()
	rep, err := h.SignCSRs(context.Background(), home.SignConfig{
		Options: ca.SignOptions{Profile: ca.ProfileServer, Validity: 24 * time.Hour}, Inputs: []string{writeCSR(t, t.TempDir(), "r.csr", cn)},
	})
	if err != nil || rep.Results[0].Err != nil {
		t.Fatalf("sign %s: %v, %+v", cn, err, rep)
	}
	return rep.Results[0].Issued.Cert
}

// TestRenewals: a certificate is found by serial or by its file (which must
// be the one recorded), the expiring ones by duration; a single renewal's
// files are checked before anything is signed.
func TestRenewals(t *testing.T) {
	h := newHome(t)
	ctx := context.Background()
	web, other := issueOne(t, h, "web.example.com"), issueOne(t, h, "other.example.com")
	serial := ca.FormatSerial(web.SerialNumber)
	notCert := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notCert, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	forged := *web
	forged.Raw = other.Raw // the serial of web, the bytes of another
	for _, tc := range []struct {
		name string
		req  home.RenewRequest
		cert *x509.Certificate
		opts home.RenewOptions
		n    int
		is   error
	}{
		{"by serial", home.RenewRequest{Args: []string{serial}}, nil, home.RenewOptions{}, 1, nil},
		{"by file", home.RenewRequest{Cert: "web.crt"}, web, home.RenewOptions{}, 1, nil},
		{"expiring", home.RenewRequest{Expiring: "2d"}, nil, home.RenewOptions{}, 2, nil},
		{"none expiring", home.RenewRequest{Expiring: "1h"}, nil, home.RenewOptions{}, 0, nil},
		{"bad serial", home.RenewRequest{Args: []string{"xyz"}}, nil, home.RenewOptions{}, 0, ca.ErrBadSerial},
		{"unknown serial", home.RenewRequest{Args: []string{"0abc"}}, nil, home.RenewOptions{}, 0, ca.ErrNotFound},
		{"file not recorded", home.RenewRequest{Cert: "forged.crt"}, &forged, home.RenewOptions{}, 0, ca.ErrNotFound},
		{"no certificate read", home.RenewRequest{Cert: "web.crt"}, nil, home.RenewOptions{}, 0, ca.ErrUsage},
		{"out not a certificate", home.RenewRequest{Args: []string{serial}}, nil, home.RenewOptions{Out: notCert}, 0, pem.ErrOtherKind},
	} {
		t.Run(tc.name, func(t *testing.T) {
			olds, err := h.Renewals(ctx, tc.req, tc.cert, tc.opts)
			if !errors.Is(err, tc.is) || len(olds) != tc.n {
				t.Fatalf("%d certificates, %v; want %d, %v", len(olds), err, tc.n, tc.is)
			}
			if tc.n == 1 && olds[0].Serial.Cmp(web.SerialNumber) != 0 {
				t.Errorf("found serial %s, want %s", ca.FormatSerial(olds[0].Serial), serial)
			}
		})
	}
}

// TestRenewReport: renewals and failures as they come, the worst exit
// code, the text and the JSON of a batch.
func TestRenewReport(t *testing.T) {
	h := newHome(t)
	ctx := context.Background()
	web := issueOne(t, h, "web.example.com")
	olds, err := h.Renewals(ctx, home.RenewRequest{Args: []string{ca.FormatSerial(web.SerialNumber)}}, nil, home.RenewOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep := home.NewRenewReport(func(err error) (string, int) { return "said: " + err.Error(), 3 })
	if data, _ := json.Marshal(rep); string(data) != `{"renewed":[],"failures":[]}` {
		t.Errorf("empty report: %s", data)
	}
	for range 2 { // the second time, the certificate was renewed already
		if err := h.Renew(ctx, olds, home.RenewOptions{OnResult: rep.Add}); err != nil {
			t.Fatal(err)
		}
	}
	if len(rep.Renewed) != 1 || len(rep.Failures) != 1 || rep.Worst() != 3 {
		t.Fatalf("report %+v, worst %d; want one renewal, one failure, worst 3", rep, rep.Worst())
	}
	r, f := rep.Renewed[0], rep.Failures[0]
	if r.Old != ca.FormatSerial(web.SerialNumber) || r.Issuer != "root" || r.Files == nil || r.Serial == r.Old {
		t.Errorf("renewal %+v", r)
	}
	if f.Old != r.Old || f.ExitCode != 3 || !strings.HasPrefix(f.Error, "said: ") {
		t.Errorf("failure %+v", f)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(text.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "renewed "+r.Old+" -> "+r.Serial+" (CN=web.example.com") ||
		lines[1] != "renewed 1, failed 1" || !strings.HasPrefix(lines[2], "  "+r.Old+" (CN=web.example.com") {
		t.Errorf("text:\n%s", text.String())
	}
	checkStore(t, h)
}
