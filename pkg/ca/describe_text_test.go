package ca_test

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// TestDescribeWriteText: the text of what show says lists the fields that
// are set, one padded "Label:" a line, with text from a certificate made
// printable.
func TestDescribeWriteText(t *testing.T) {
	for _, tc := range describeTextCases() {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := tc.v.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("no %q in:\n%s", w, b.String())
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(b.String(), w) {
					t.Errorf("%q in:\n%s", w, b.String())
				}
			}
		})
	}
}

// describeTextCase is a value show describes, the lines its text must
// hold and the labels it must not.
type describeTextCase struct {
	name    string
	v       interface{ WriteText(w io.Writer) error }
	want    []string
	wantNot []string
}

// describeTextCases are the cases of TestDescribeWriteText.
func describeTextCases() []describeTextCase {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	zero, renewed := 0, "0b"
	return []describeTextCase{
		{
			name: "certificate of the store",
			v: &ca.CertificateInfo{Serial: "3f", Subject: "CN=a\x1b[2J", Issuer: "CN=root", IssuerName: "root", Status: "revoked",
				RevokedAt: &at, Reason: "keyCompromise", NotBefore: at, NotAfter: at, IsCA: true, PathLen: &zero,
				SANs: []string{"a.example.com", "b\nforged"}, Chain: []ca.ChainLink{{Serial: "01", Subject: "CN=root"}},
				RenewalLinks: &ca.RenewalLinks{RenewedBy: &renewed}},
			want: []string{"Certificate:         3f\n", `Subject:             "CN=a\x1b[2J"` + "\n", "Issuer name:         root\n",
				"Revoked at:          2026-01-02T03:04:05Z (keyCompromise)\n", "CA:                  yes, path length 0\n",
				`SANs:                a.example.com, "b\nforged"` + "\n", "Renewed by:          0b\n", "Chain 1:             CN=root (serial 01)\n"},
			wantNot: []string{"Profile:", "Renewal of:", "Permitted DNS:"},
		},
		{
			name:    "certificate file, not a CA",
			v:       &ca.CertificateInfo{Serial: "3f", Subject: "CN=a", NotBefore: at, NotAfter: at},
			want:    []string{"CA:                  no\n", "Not after:           2026-01-02T03:04:05Z\n"},
			wantNot: []string{"Status:", "Renewed by:", "Chain 1:"},
		},
		{
			name: "CSR with a SAN extension and an unknown one",
			v: &ca.RequestInfo{Subject: "CN=a", KeyType: "ECDSA P-256", SignatureAlgorithm: "ECDSA-SHA256", SignatureValid: true,
				SANs: []string{"a.example.com"}, Extensions: []ca.ExtensionInfo{{OID: "2.5.29.17", Name: "subjectAltName"}, {OID: "1.2.3", Critical: true}}},
			want:    []string{"Request:             CN=a\n", "Self-signature:      good\n", "SANs:                a.example.com\n", "Extension:           1.2.3 (unknown extension), critical\n"},
			wantNot: []string{"subjectAltName"},
		},
		{
			name:    "CSR with a bad self-signature",
			v:       &ca.RequestInfo{Subject: "CN=a", SignatureError: "signature does not verify"},
			want:    []string{"Self-signature:      REFUSED: signature does not verify\n"},
			wantNot: []string{"SANs:"},
		},
		{
			name: "CRL",
			v: &ca.CRLInfo{Issuer: "CN=root", Number: "2", ThisUpdate: at, NextUpdate: at, SignatureAlgorithm: "ECDSA-SHA256",
				Entries: []ca.CRLEntryInfo{{Serial: "09", RevokedAt: at, Reason: "keyCompromise"}}},
			want: []string{"CRL issuer:          CN=root\n", "Entries:             1\n", "  09  2026-01-02T03:04:05Z  keyCompromise\n"},
		},
	}
}
