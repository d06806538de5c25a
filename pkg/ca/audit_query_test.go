package ca_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// TestAuditQueryFilter: --since as RFC 3339, a date or a duration back
// from now; --action one of the actions; --serial in any form, stored in
// FormatSerial's; anything else is a usage error naming the flag.
func TestAuditQueryFilter(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		q       ca.AuditQuery
		want    ca.AuditFilter
		wantErr string
	}{
		{"nothing", ca.AuditQuery{}, ca.AuditFilter{}, ""},
		{"since RFC 3339", ca.AuditQuery{Since: "2026-01-02T15:04:05Z"}, ca.AuditFilter{Since: time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)}, ""},
		{"since a date", ca.AuditQuery{Since: "2026-01-02"}, ca.AuditFilter{Since: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}, ""},
		{"since hours back", ca.AuditQuery{Since: "24h"}, ca.AuditFilter{Since: now.Add(-24 * time.Hour)}, ""},
		{"since days back", ca.AuditQuery{Since: "7d"}, ca.AuditFilter{Since: now.Add(-7 * 24 * time.Hour)}, ""},
		{"since nonsense", ca.AuditQuery{Since: "yesterday"}, ca.AuditFilter{}, `--since "yesterday": use RFC 3339`},
		{"action", ca.AuditQuery{Action: "revoke"}, ca.AuditFilter{Action: "revoke"}, ""},
		{"unknown action", ca.AuditQuery{Action: "delete"}, ca.AuditFilter{}, `--action "delete": use add-issuer`},
		{"serial with colons and zeros", ca.AuditQuery{Serial: "00:3F:2a"}, ca.AuditFilter{Serial: "3f2a"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := tc.q.Filter(now)
			if tc.wantErr != "" {
				if !errors.Is(err, ca.ErrUsage) || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want ErrUsage starting %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !f.Since.Equal(tc.want.Since) || f.Action != tc.want.Action || f.Serial != tc.want.Serial {
				t.Fatalf("filter %+v (%v), want %+v", f, err, tc.want)
			}
		})
	}
	if _, err := (ca.AuditQuery{Serial: "xyz"}).Filter(now); err == nil || !errors.Is(err, ca.ErrBadSerial) {
		t.Errorf("bad serial: %v, want ErrBadSerial", err)
	}
}

// TestParseAuditAnchor: 64 hex digits in any case with space around, in
// lower case; "" is no anchor; anything else is a usage error.
func TestParseAuditAnchor(t *testing.T) {
	head := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{head, head, true},
		{" " + strings.ToUpper(head) + "\n", head, true},
		{head[:62], "", false},
		{strings.Repeat("zz", 32), "", false},
	} {
		got, err := ca.ParseAuditAnchor(tc.in)
		if tc.ok && (err != nil || got != tc.want) || !tc.ok && !errors.Is(err, ca.ErrUsage) {
			t.Errorf("ParseAuditAnchor(%q) = %q, %v", tc.in, got, err)
		}
	}
}

// TestAuditWriteText: a good chain says OK with its head, a broken one
// says nothing (its error does); the head is one line.
func TestAuditWriteText(t *testing.T) {
	var b strings.Builder
	if err := (&ca.AuditVerification{OK: true, Records: 4, Head: "ab"}).WriteText(&b); err != nil || b.String() != "audit chain OK: 4 records, head ab\n" {
		t.Errorf("good chain: %q, %v", b.String(), err)
	}
	b.Reset()
	if err := (&ca.AuditVerification{Records: 4, Head: "ab", Problems: []string{"gap"}}).WriteText(&b); err != nil || b.Len() != 0 {
		t.Errorf("broken chain: %q, %v", b.String(), err)
	}
	if err := (&ca.AuditHead{Records: 4, Head: "ab"}).WriteText(&b); err != nil || b.String() != "ab\n" {
		t.Errorf("head: %q, %v", b.String(), err)
	}
}
