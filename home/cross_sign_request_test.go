package home_test

import (
	"bytes"
	"context"
	"crypto/x509/pkix"
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
)

func TestCheckCrossSign(t *testing.T) {
	h := newHome(t)
	out := filepath.Join(t.TempDir(), "cross.pem")
	for _, tc := range []struct {
		name string
		req  home.CrossSignRequest
		want string
		is   error
	}{
		{"path length", home.CrossSignRequest{PathLen: -3, Out: out}, "--path-len -3: give 0 or more, or -1 for none", ca.ErrUsage},
		// -2 is ca.PathLenOfCert inside, but given, it is a length like -3
		{"path length -2", home.CrossSignRequest{PathLen: -2, Out: out}, "--path-len -2: give 0 or more, or -1 for none", ca.ErrUsage},
		{"bad subtree", home.CrossSignRequest{OwnPathLen: true, Out: out, Constraints: home.Constraints{PermitDNS: []string{"a b"}}}, `--permit-dns "a b"`, ca.ErrUsage},
		{"bad range", home.CrossSignRequest{Out: out, Constraints: home.Constraints{PermitIP: []string{"::1"}}}, `--permit-ip "::1" is not a CIDR range`, ca.ErrUsage},
		{"bad validity", home.CrossSignRequest{Out: out, Validity: "forever"}, "--validity: ", csr.ErrBadDuration},
		{"stdout", home.CrossSignRequest{Out: "-"}, "--out -: cross-sign writes a file; name one", ca.ErrUsage},
		{"the store", home.CrossSignRequest{Out: h.StorePath()}, "the home's store", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.CheckCrossSign(tc.req)
			if err == nil || !strings.Contains(err.Error(), tc.want) || tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("%v; want an error saying %q matching %v", err, tc.want, tc.is)
			}
			// Check, without the home, refuses the same but the home's file
			if cerr := tc.req.Check(); (tc.name == "the store") != (cerr == nil) || cerr != nil && cerr.Error() != err.Error() {
				t.Errorf("Check: %v; CheckCrossSign: %v", cerr, err)
			}
		})
	}
	o, err := h.CheckCrossSign(home.CrossSignRequest{Issuer: "root", PathLen: 3, OwnPathLen: true, Validity: "1d", Out: out,
		Constraints: home.Constraints{PermitDNS: []string{"partner.example"}, ExcludeIP: []string{"10.0.0.0/8"}}})
	if err != nil || o.Issuer != "root" || o.Out != out || o.Config.MaxPathLen != ca.PathLenOfCert || o.Config.Validity != 24*time.Hour ||
		o.Config.PermittedDNSDomains[0] != "partner.example" || o.Config.ExcludedIPRanges[0].String() != "10.0.0.0/8" {
		t.Fatalf("CheckCrossSign: %+v, %v", o, err)
	}
}

// TestCrossSignReport: the report of a real cross certificate, for a
// foreign root without a path length and with one.
func TestCrossSignReport(t *testing.T) {
	h := newHome(t)
	other := home.New(home.Config{Dir: filepath.Join(t.TempDir(), "other"), LockTimeout: time.Second})
	if _, err := home.Create(context.Background(), other.Config(), newCA(t, "root", pkix.Name{CommonName: "Other Root"})); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(other.IssuerFile("root", home.FileCert))
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := ca.ParseCertificateFile("other", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pathLen int
		own     bool
		want    string
	}{{0, true, `"pathLen":null`}, {1, false, `"pathLen":1`}} {
		out := filepath.Join(t.TempDir(), "cross.pem")
		o, err := h.CheckCrossSign(home.CrossSignRequest{PathLen: tc.pathLen, OwnPathLen: tc.own, Out: out})
		if err != nil {
			t.Fatal(err)
		}
		issued, err := h.CrossSign(context.Background(), foreign, o)
		if err != nil {
			t.Fatal(err)
		}
		r := home.NewCrossSignReport(issued, out)
		if js, _ := json.Marshal(r); r.Issuer != "root" || r.Subject != "CN=Other Root" || !strings.Contains(string(js), tc.want) {
			t.Errorf("report %s; want %s", js, tc.want)
		}
		var text bytes.Buffer
		if err := r.WriteText(&text); err != nil || !strings.HasPrefix(text.String(), `cross-signed CN=Other Root with issuer "root"`) ||
			!strings.HasSuffix(text.String(), "  wrote    "+out+"\n") {
			t.Errorf("text %v:\n%s", err, text.String())
		}
	}
	checkStore(t, h)
}

// TestIntermediateRenewReport: the report of a real renewal names the old
// and new serials and the files replaced.
func TestIntermediateRenewReport(t *testing.T) {
	h := newHome(t)
	ctx := context.Background()
	if _, err := h.CreateIntermediate(ctx, "", newCA(t, "issuing", pkix.Name{CommonName: "Issuing"})); err != nil {
		t.Fatal(err)
	}
	r, err := h.RenewIntermediate(ctx, "issuing", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	rep := r.Report()
	if rep.Issuer != "issuing" || rep.Parent != "root" || rep.Old == rep.Serial || rep.Finished || len(rep.Files) == 0 ||
		rep.NotAfter.Location() != time.UTC {
		t.Fatalf("report %+v", rep)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil || !strings.HasPrefix(text.String(), `renewed intermediate "issuing", signed by "root"`) ||
		!strings.Contains(text.String(), "  serial   "+rep.Serial+" (was "+rep.Old+")\n") ||
		!strings.HasSuffix(text.String(), "  wrote    "+rep.Files[len(rep.Files)-1]+"\n") {
		t.Errorf("text %v:\n%s", err, text.String())
	}
	r.Files = nil
	if js, _ := json.Marshal(r.Report()); !strings.Contains(string(js), `"files":[],"finished":false`) {
		t.Errorf("JSON without files: %s", js)
	}
}
