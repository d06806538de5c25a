package main

import (
	"bytes"
	"crypto/x509/pkix"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	capem "github.com/ca-toolkit/ca/pkg/pem"
)

// FuzzSignInput feeds arbitrary bytes through what "ca sign csr -" and "ca
// policy check -" do before signing: read (bounded), frame (PEM or DER),
// parse, judge, and word the failure. It must never panic, and input that
// fails must fail as usage (2) or refused (3), never as an internal error.
func FuzzSignInput(f *testing.F) {
	for _, kind := range []string{"good", "ca-true", "dup-ext", "dns-ulabel", "two-cn", "p224", "many-sans",
		"der", "der-trailing", "new-type", "two-blocks", "headers", "truncated", "badsig", "sha1", "garbage"} {
		data, err := hostileCSR(kind, "")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	key, err := capem.GenerateKey(capem.ECDSAP256)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Now()
	root, err := ca.CreateRoot(ca.Template{Subject: pkix.Name{CommonName: "Fuzz Root", Organization: []string{"Example"}, Country: []string{"DE"}},
		Validity: 24 * time.Hour, MaxPathLen: -1}, key, now)
	if err != nil {
		f.Fatal(err)
	}
	judge, err := ca.NewJudge(ca.IssuerConfig{Name: "root", Cert: root, Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := home.ReadCSR("-", bytes.NewReader(data))
		if in.Err == nil {
			err := judge.Judge(in.Request, ca.SignOptions{}).Err()
			if err == nil {
				return
			}
			in.Err = err
		}
		if code := exitCode(in.Err); code != exitUsage && code != exitRefused {
			t.Fatalf("exit %d for %q: %v", code, data, in.Err)
		}
		if lines := failureLines("stdin", in.Err); len(lines) == 0 {
			t.Fatal("no message")
		}
		ruleFailures(in.Err)
	})
}
