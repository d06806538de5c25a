package home

import (
	"fmt"
	"io"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// SignRow is the outcome of one request of "ca sign csr", for its table and
// its JSON (SPEC.md's fields). Status, ExitCode and Error of a failure are
// the caller's words for it.
type SignRow struct {
	Input       string        `json:"input"`
	Status      string        `json:"status"`
	Serial      string        `json:"serial"`
	Subject     string        `json:"subject"`
	Issuer      string        `json:"issuer"`
	Profile     string        `json:"profile"`
	NotBefore   *time.Time    `json:"notBefore"`
	NotAfter    *time.Time    `json:"notAfter"`
	SANs        []string      `json:"sans"`
	File        string        `json:"file"`
	Certificate string        `json:"certificate,omitempty"`
	ExitCode    int           `json:"exitCode"`
	Error       string        `json:"error,omitempty"`
	Failures    []RuleFailure `json:"failures"`
}

// RuleFailure is one broken rule of a refused request (Failures), in JSON.
type RuleFailure struct {
	Field  string `json:"field"`
	Rule   string `json:"rule"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// RuleFailures lists the broken rules of err (Failures); never nil.
func RuleFailures(err error) []RuleFailure {
	out := []RuleFailure{}
	for _, c := range Failures(err) {
		out = append(out, RuleFailure{Field: c.Field, Rule: c.Rule, Value: c.Value, Reason: c.Reason})
	}
	return out
}

// Row is s as a SignRow; its lists are never nil. A request that was
// signed is "signed" with its record's fields and, when no file was asked
// for, its Certificate; or "failed" when its file was not written. One that was not signed has no Status nor Failures (the
// caller words them), and issuer and profile, the run's, name it.
func (s *Signed) Row(issuer, profile string) SignRow {
	if s.Issued == nil {
		return SignRow{Input: s.Input, Issuer: issuer, Profile: profile, SANs: []string{}, Failures: []RuleFailure{}}
	}
	rec := s.Issued.Record
	nb, na := rec.NotBefore, rec.NotAfter
	row := SignRow{
		Input: s.Input, Status: "signed", Serial: ca.FormatSerial(rec.Serial), Subject: rec.Subject,
		Issuer: rec.Issuer, Profile: rec.Profile, NotBefore: &nb, NotAfter: &na, SANs: append([]string{}, rec.SANs...),
		File: s.File, Failures: []RuleFailure{},
	}
	switch {
	case s.Err != nil: // recorded, but its file was not written
		row.Status = "failed"
	case s.File == "":
		row.Certificate = string(s.PEM)
	}
	return row
}

// WriteText writes a signed row for people on one line: its subject,
// profile, serial, end of validity and file.
func (r *SignRow) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "signed %s (%s, serial %s, until %s) -> %s\n",
		r.Subject, r.Profile, r.Serial, r.NotAfter.Format(time.RFC3339), r.File)
	return err
}
