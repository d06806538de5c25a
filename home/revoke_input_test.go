package home_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
)

// TestRevokeInputParse: the reason, the invalidity date, serials in any
// form and certificate files ("-" is stdin) are checked and read before
// anything is revoked.
func TestRevokeInputParse(t *testing.T) {
	h := newHome(t)
	file, cert, _ := issueLeaf(t, h, "", "web.example.com")
	data, _ := os.ReadFile(file)
	for _, tc := range []struct {
		name    string
		in      home.RevokeInput
		wantErr error
		wantMsg string
	}{
		{"serials and files", home.RevokeInput{Serials: []string{"3F:2A", "0b"}, CertFiles: []string{file, "-"}, Reason: "superseded", InvalidityDate: "2026-01-02T03:04:05Z"}, nil, ""},
		{"bad reason", home.RevokeInput{Reason: "bored"}, ca.ErrUsage, "bored"},
		{"bad date", home.RevokeInput{Reason: "unspecified", InvalidityDate: "2026-01-02"}, ca.ErrUsage, `--invalidity-date "2026-01-02": use RFC 3339`},
		{"bad serial", home.RevokeInput{Reason: "unspecified", Serials: []string{"xyz"}}, ca.ErrBadSerial, "xyz"},
		{"missing file", home.RevokeInput{Reason: "unspecified", CertFiles: []string{"missing.crt"}}, fs.ErrNotExist, "read certificate: open missing.crt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := tc.in.Parse(bytes.NewReader(data))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.wantMsg) {
					t.Fatalf("error %v, want %v saying %q", err, tc.wantErr, tc.wantMsg)
				}
				return
			}
			if err != nil || len(l.Serials) != 2 || l.Serials[0].Int64() != 0x3f2a || len(l.Certs) != 2 || !l.Certs[1].Equal(cert) ||
				l.Reason.String() != "superseded" || !l.Invalidity.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
				t.Fatalf("list %+v, %v", l, err)
			}
		})
	}
}
