package home_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
)

// TestReportIssuerURLs: a change is recorded and reported as one; no
// change reports what is recorded; {issuer} is expanded in Expanded only;
// a bad URL records nothing.
func TestReportIssuerURLs(t *testing.T) {
	h := newHome(t)
	crl, shards, bad := "http://pki.example.com/{issuer}-{shard}.crl", 4, "ftp://x"
	for _, tc := range []struct {
		name    string
		change  home.URLsChange
		err     error
		changed bool
		text    []string // lines of the text, in order
	}{
		{"nothing recorded", home.URLsChange{}, nil, false,
			[]string{"issuer root", "  crl        (none)", "  ocsp       (none)", "  caIssuers  (none)"}},
		{"a sharded CRL URL", home.URLsChange{CRL: &crl, CRLShards: &shards}, nil, true,
			[]string{"recorded the URLs of issuer root; certificates it signs from now on carry them", "  crl shards 4 (shard = serial mod 4)",
				"  crl        http://pki.example.com/root-{shard}.crl", "  ocsp       (none)", "  caIssuers  (none)"}},
		{"a bad OCSP URL", home.URLsChange{OCSP: &bad}, ca.ErrUsage, false, nil},
		{"what is recorded", home.URLsChange{}, nil, false,
			[]string{"issuer root", "  crl shards 4 (shard = serial mod 4)", "  crl        http://pki.example.com/root-{shard}.crl", "  ocsp       (none)", "  caIssuers  (none)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := h.ReportIssuerURLs(context.Background(), "", tc.change)
			if tc.err != nil || err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("ReportIssuerURLs = %v, want %v", err, tc.err)
				}
				return
			}
			if r.Issuer != "root" || r.Changed != tc.changed {
				t.Errorf("report %+v", r)
			}
			var text bytes.Buffer
			if err := r.WriteText(&text); err != nil || text.String() != strings.Join(tc.text, "\n")+"\n" {
				t.Errorf("text:\n%s\nwant:\n%s", text.String(), strings.Join(tc.text, "\n"))
			}
			data, err := json.Marshal(r)
			if err != nil || !bytes.Contains(data, []byte(`"urls":{`)) || !bytes.Contains(data, []byte(`"expanded":{`)) {
				t.Errorf("JSON %s, %v", data, err)
			}
		})
	}
}

// TestURLsChangeFrom: only the URLs whose flags were given change; an
// empty one given removes that URL.
func TestURLsChangeFrom(t *testing.T) {
	u := ca.IssuerURLs{CRL: "http://c", OCSP: "", CAIssuers: "http://i", CRLShards: 2, DeltaCRL: "http://d"}
	for _, tc := range []struct {
		name  string
		given []string
		want  ca.IssuerURLs // applied to recorded
	}{
		{"none", nil, ca.IssuerURLs{CRL: "http://old", OCSP: "http://old-ocsp"}},
		{"crl and an empty ocsp", []string{"crl-url", "ocsp-url"}, ca.IssuerURLs{CRL: "http://c"}},
		{"every one", []string{"crl-url", "delta-crl-url", "crl-shards", "ocsp-url", "ca-issuers-url"}, u},
	} {
		t.Run(tc.name, func(t *testing.T) {
			given := func(flag string) bool { return slices.Contains(tc.given, flag) }
			ch := home.URLsChangeFrom(&u, given)
			if (ch == home.URLsChange{}) != (len(tc.given) == 0) {
				t.Errorf("change %+v for flags %v", ch, tc.given)
			}
			got := ca.IssuerURLs{CRL: "http://old", OCSP: "http://old-ocsp"}
			for _, f := range []struct {
				from *string
				to   *string
			}{{ch.CRL, &got.CRL}, {ch.OCSP, &got.OCSP}, {ch.CAIssuers, &got.CAIssuers}, {ch.DeltaCRL, &got.DeltaCRL}} {
				if f.from != nil {
					*f.to = *f.from
				}
			}
			if ch.CRLShards != nil {
				got.CRLShards = *ch.CRLShards
			}
			if got != tc.want {
				t.Errorf("applied: %+v, want %+v", got, tc.want)
			}
		})
	}
}
