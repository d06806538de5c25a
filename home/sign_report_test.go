package home_test

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
)

// TestSignedRow: a signed request's row has its record's fields and, with
// no file, its certificate; one recorded but not written is "failed"; one
// not signed is left for the caller to word, named by the run's issuer and
// profile; lists are never nil.
func TestSignedRow(t *testing.T) {
	now := time.Now().UTC()
	issued := &ca.Issued{Record: &ca.CertRecord{Serial: big.NewInt(0x1f), Subject: "CN=web", Issuer: "root", Profile: "server", NotBefore: now, NotAfter: now.Add(time.Hour)}}
	for _, tc := range []struct {
		name   string
		signed home.Signed
		want   home.SignRow
	}{
		{"signed to stdout", home.Signed{Input: "stdin", Issued: issued, PEM: []byte("PEM")},
			home.SignRow{Input: "stdin", Status: "signed", Serial: "1f", Subject: "CN=web", Issuer: "root", Profile: "server", Certificate: "PEM"}},
		{"signed to a file", home.Signed{Input: "a.csr", Issued: issued, PEM: []byte("PEM"), File: "a.crt"},
			home.SignRow{Input: "a.csr", Status: "signed", Serial: "1f", Subject: "CN=web", Issuer: "root", Profile: "server", File: "a.crt"}},
		{"file not written", home.Signed{Input: "a.csr", Issued: issued, PEM: []byte("PEM"), File: "a.crt", Err: errors.New("disk full")},
			home.SignRow{Input: "a.csr", Status: "failed", Serial: "1f", Subject: "CN=web", Issuer: "root", Profile: "server", File: "a.crt"}},
		{"refused", home.Signed{Input: "b.csr", Err: errors.New("refused")},
			home.SignRow{Input: "b.csr", Issuer: "sub", Profile: "device"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			row := tc.signed.Row("sub", "device")
			if row.SANs == nil || row.Failures == nil {
				t.Fatalf("nil lists in %+v", row)
			}
			if (row.NotAfter != nil) != (tc.signed.Issued != nil) || row.NotAfter != nil && !row.NotAfter.Equal(now.Add(time.Hour)) {
				t.Errorf("notAfter %v", row.NotAfter)
			}
			row.SANs, row.Failures, row.NotBefore, row.NotAfter = nil, nil, nil, nil
			if fmt.Sprintf("%+v", row) != fmt.Sprintf("%+v", tc.want) {
				t.Errorf("row\n%+v, want\n%+v", row, tc.want)
			}
		})
	}
	row := (&home.Signed{Input: "a.csr", Issued: issued, File: "a.crt"}).Row("", "")
	var b strings.Builder
	if err := row.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if want := "signed CN=web (server, serial 1f, until " + now.Add(time.Hour).Format(time.RFC3339) + ") -> a.crt\n"; b.String() != want {
		t.Errorf("text %q, want %q", b.String(), want)
	}
}

// TestRuleFailures lists every broken rule of a refusal, the signature of a
// request that does not verify, and nothing (never nil) for other errors.
func TestRuleFailures(t *testing.T) {
	refusal := &csr.RefusalError{Errors: []*csr.PolicyError{
		{Field: "subject O", Rule: "match", Value: "Other", Reason: "must be Example"},
		{Field: "san dns", Rule: "allow", Value: "x.test", Reason: "not allowed"},
	}}
	if got := home.RuleFailures(refusal); len(got) != 2 || got[1] != (home.RuleFailure{Field: "san dns", Rule: "allow", Value: "x.test", Reason: "not allowed"}) {
		t.Errorf("refusal: %+v", got)
	}
	if got := home.RuleFailures(fmt.Errorf("read: %w", csr.ErrBadSignature)); len(got) != 1 || got[0].Field != "signature" || got[0].Rule != "verify" {
		t.Errorf("bad signature: %+v", got)
	}
	if got := home.RuleFailures(errors.New("other")); got == nil || len(got) != 0 {
		t.Errorf("other error: %#v, want []", got)
	}
}
