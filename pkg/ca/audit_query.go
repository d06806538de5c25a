package ca

import (
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ca-toolkit/ca/pkg/csr"
)

// AuditQuery is what "ca audit list" is given to select records, as the
// user gave it; "" selects everything.
type AuditQuery struct {
	Since  string // RFC 3339, a date (2026-01-02) or a duration back from now (24h, 7d)
	Action string // one of AuditActions
	Serial string // a serial in any form ParseSerial takes
}

// Filter checks q and makes its AuditFilter; now is the moment a Since
// given as a duration counts back from. A bad Since or Action is
// ErrUsage; a bad Serial is ParseSerial's error.
func (q AuditQuery) Filter(now time.Time) (AuditFilter, error) {
	var f AuditFilter
	var err error
	if q.Since != "" {
		if f.Since, err = parseSince(q.Since, now); err != nil {
			return f, err
		}
	}
	if q.Action != "" && !slices.Contains(AuditActions, q.Action) {
		return f, &inputError{fmt.Sprintf("--action %q: use add-issuer, renew-issuer, issue, revoke or crl", q.Action)}
	}
	f.Action = q.Action
	if q.Serial != "" {
		s, err := ParseSerial(q.Serial)
		if err != nil {
			return f, err
		}
		f.Serial = FormatSerial(s)
	}
	return f, nil
}

// parseSince reads the start of a span of time (--since): RFC 3339, a date
// (midnight UTC), or a duration back from now (csr.ParseDuration: 24h,
// 7d). Anything else is ErrUsage.
func parseSince(v string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	d, err := csr.ParseDuration(v)
	if err != nil {
		return time.Time{}, &inputError{fmt.Sprintf("--since %q: use RFC 3339 (2026-01-02T15:04:05Z), a date (2026-01-02) or a duration such as 24h or 7d", v)}
	}
	return now.Add(-d), nil
}

// ParseAuditAnchor reads a head hash kept elsewhere (--anchor): 64 hex
// digits, any case, space around allowed; it returns it in lower case.
// "" stays "" (no anchor); anything else is ErrUsage.
func ParseAuditAnchor(s string) (string, error) {
	anchor := strings.ToLower(strings.TrimSpace(s))
	if b, err := hex.DecodeString(anchor); s != "" && (err != nil || len(b) != 32) {
		return "", &inputError{fmt.Sprintf("--anchor %q is not a head hash (64 hex digits, as \"ca audit head\" prints it)", s)}
	}
	return anchor, nil
}

// WriteText writes "audit chain OK" with the number of records and the
// head when the chain holds, nothing otherwise (the error tells).
func (v *AuditVerification) WriteText(w io.Writer) error {
	if !v.OK {
		return nil
	}
	_, err := fmt.Fprintf(w, "audit chain OK: %d records, head %s\n", v.Records, v.Head)
	return err
}

// WriteText writes the head hash on a line of its own.
func (h *AuditHead) WriteText(w io.Writer) error {
	_, err := fmt.Fprintln(w, h.Head)
	return err
}
