package ca_test

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// TestRevocationReports: times in UTC, a null invalidity date when none
// was given, [] for no revocation, and one text line each plus the note
// of where the revocation counts.
func TestRevocationReports(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	at := time.Date(2026, 1, 2, 4, 4, 5, 0, cet)
	for _, tc := range []struct {
		name     string
		revs     []ca.Revocation
		wantJSON string
		wantText string
	}{
		{"none", nil, `[]`, ""},
		{"without invalidity date", []ca.Revocation{{Serial: big.NewInt(0x3f), Issuer: "root", RevokedAt: at, Reason: ca.Reason(1)}},
			`[{"serial":"3f","issuer":"root","revokedAt":"2026-01-02T03:04:05Z","reason":"keyCompromise","invalidityDate":null}]`,
			"revoked 3f (issuer root, reason keyCompromise) at 2026-01-02T03:04:05Z\nin effect now"},
		{"with invalidity date", []ca.Revocation{{Serial: big.NewInt(0x3f), Issuer: "root", RevokedAt: at, InvalidityDate: at.Add(-time.Hour)}},
			`[{"serial":"3f","issuer":"root","revokedAt":"2026-01-02T03:04:05Z","reason":"unspecified","invalidityDate":"2026-01-02T02:04:05Z"}]`,
			"revoked 3f (issuer root, reason unspecified) at 2026-01-02T03:04:05Z\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ca.NewRevocationReports(tc.revs)
			got, err := json.Marshal(r)
			if err != nil || string(got) != tc.wantJSON {
				t.Errorf("JSON %s (%v), want %s", got, err, tc.wantJSON)
			}
			var b strings.Builder
			if err := r.WriteText(&b); err != nil || !strings.HasPrefix(b.String(), tc.wantText) || (tc.wantText == "") != (b.Len() == 0) {
				t.Errorf("text %q (%v), want it to start %q", b.String(), err, tc.wantText)
			}
		})
	}
}
