package ca

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// RevocationReport is one revoked certificate as "ca revoke" and "ca
// verify" report it, for text and JSON (docs/json.md): times in UTC, the
// invalidity date null when none was given.
type RevocationReport struct {
	Serial         string     `json:"serial"`
	Issuer         string     `json:"issuer"`
	RevokedAt      time.Time  `json:"revokedAt"`
	Reason         string     `json:"reason"`
	InvalidityDate *time.Time `json:"invalidityDate"`
}

// Report is r as RevocationReport.
func (r Revocation) Report() RevocationReport {
	out := RevocationReport{Serial: FormatSerial(r.Serial), Issuer: r.Issuer, RevokedAt: r.RevokedAt.UTC(), Reason: r.Reason.String()}
	if !r.InvalidityDate.IsZero() {
		t := r.InvalidityDate.UTC()
		out.InvalidityDate = &t
	}
	return out
}

// RevocationReports is what "ca revoke" reports: one report for each
// revocation, an empty list (JSON []) for none.
type RevocationReports []RevocationReport

// NewRevocationReports reports revs in their order.
func NewRevocationReports(revs []Revocation) RevocationReports {
	out := make(RevocationReports, len(revs))
	for i, r := range revs {
		out[i] = r.Report()
	}
	return out
}

// WriteText writes one line for each revocation, then, when there is any,
// where the revocation counts from now on.
func (rs RevocationReports) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "revoked %s (issuer %s, reason %s) at %s\n", r.Serial, r.Issuer, r.Reason, r.RevokedAt.Format(time.RFC3339))
	}
	if len(rs) > 0 {
		fmt.Fprintln(&b, `in effect now for "ca verify", and within a second for a running "ca serve" and "ca publish" (OCSP); CRL files list it from the next "ca crl export"`)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
