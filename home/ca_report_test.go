package home_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// TestCreatedReport: what init and intermediate create report, in text
// and JSON, for CAs made from requests.
func TestCreatedReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	root, err := caRequest(func(r *home.CARequest) {
		// longer than the intermediate's day, which must end before it
		r.Name, r.PathLen, r.Validity, r.DN = "root", -1, "30d", home.DN{CN: "Test Root", Org: "Example", Country: "DE"}
	}).NewCA()
	if err != nil {
		t.Fatal(err)
	}
	h := home.New(home.Config{Dir: dir, LockTimeout: time.Second})
	c, err := home.Create(context.Background(), h.Config(), root)
	if err != nil {
		t.Fatal(err)
	}
	rr, ok := h.CreatedReport(root, c).(*home.RootReport)
	if !ok || rr.Home != dir || rr.Issuer != "root" || rr.KeyType != "ecdsa-p384" || rr.Encrypted || rr.Cert != h.IssuerFile("root", home.FileCert) {
		t.Fatalf("root report %#v", h.CreatedReport(root, c))
	}
	var text bytes.Buffer
	if err := rr.WriteText(&text); err != nil || !strings.HasPrefix(text.String(), `created home `+dir+` with root "root" (ecdsa-p384)`) ||
		!strings.Contains(text.String(), "  key      ecdsa-p384, not encrypted (--no-passphrase)\n  trust    "+rr.Cert+"\n") {
		t.Errorf("root text %v:\n%s", err, text.String())
	}
	inter, err := caRequest(nil).NewCA()
	if err != nil {
		t.Fatal(err)
	}
	ic, err := h.CreateIntermediate(context.Background(), "", inter)
	if err != nil {
		t.Fatal(err)
	}
	ir, ok := h.CreatedReport(inter, ic).(*home.IntermediateReport)
	if !ok || ir.Parent != "root" || ir.PathLen != 0 || ir.Chain != h.IssuerFile("issuing", home.FileChain) {
		t.Fatalf("intermediate report %#v", h.CreatedReport(inter, ic))
	}
	data, err := json.Marshal(ir)
	if err != nil || !strings.Contains(string(data), `"issuer":"issuing","parent":"root","serial":"`) || !strings.Contains(string(data), `"pathLen":0,"keyType":"ecdsa-p384","encrypted":false,"chain":`) {
		t.Errorf("intermediate JSON %s, %v", data, err)
	}
	// A key on a token: its type and URI, never "encrypted".
	ic.Token = &home.TokenKeyInfo{URI: "pkcs11:token=T;object=issuing", Created: true, Type: pem.ECDSAP256}
	tr := h.CreatedReport(inter, ic).(*home.TokenCAReport)
	text.Reset()
	if err := tr.WriteText(&text); err != nil || !strings.HasPrefix(text.String(), `created intermediate "issuing" signed by "root" (ecdsa-p256)`) ||
		!strings.Contains(text.String(), "  key      ecdsa-p256, made on the token\n  key uri  pkcs11:token=T;object=issuing\n") {
		t.Errorf("token text %v:\n%s", err, text.String())
	}
	if data, _ := json.Marshal(tr); !strings.Contains(string(data), `"parent":"root","keyURI":"pkcs11:token=T;object=issuing","keyCreated":true`) {
		t.Errorf("token JSON %s", data)
	}
	checkStore(t, h)
}
