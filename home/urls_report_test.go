package home_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
