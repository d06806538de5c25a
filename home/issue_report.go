package home

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// IssueReport is the report of one certificate of "ca issue"; its JSON
// fields are SPEC.md's.
type IssueReport struct {
	Serial   string    `json:"serial"`
	Subject  string    `json:"subject"`
	SANs     []string  `json:"sans"`
	NotAfter time.Time `json:"notAfter"`
	Profile  string    `json:"profile"`
	Issuer   string    `json:"issuer"`
	Key      string    `json:"key"`
	Cert     string    `json:"file"`
	Chain    string    `json:"chain"`
}

// Report is p's IssueReport; SANs is never nil.
func (p *Provisioned) Report() *IssueReport {
	c := p.Issued.Cert
	return &IssueReport{
		Serial: ca.FormatSerial(c.SerialNumber), Subject: c.Subject.String(), SANs: append([]string{}, ca.SANs(c)...),
		NotAfter: c.NotAfter.UTC(), Profile: p.Issued.Record.Profile, Issuer: p.Issuer,
		Key: p.Key, Cert: p.Cert, Chain: p.Chain,
	}
}

// WriteText writes r for people: the subject, serial, end of validity and
// the three files.
func (r *IssueReport) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "issued %s\n  serial   %s\n  notAfter %s\n  key      %s\n  cert     %s\n  chain    %s\n",
		r.Subject, r.Serial, r.NotAfter.Format(time.RFC3339), r.Key, r.Cert, r.Chain)
	return err
}

// ManifestSummary counts the rows of a ManifestReport and lists the failed
// ones; its JSON is the report of "ca issue --manifest" (SPEC.md).
type ManifestSummary struct {
	Issued   int          `json:"issued"`
	Skipped  int          `json:"skipped"`
	Failed   int          `json:"failed"`
	Failures []RowFailure `json:"failures"`
}

// RowFailure is one failed row of a manifest, in the caller's words.
type RowFailure struct {
	Line     int    `json:"line"`
	CN       string `json:"cn"`
	Error    string `json:"error"`
	ExitCode int    `json:"exitCode"`
}

// Summary sums r up. word gives the message and exit code of each row's
// error; a *ca.ManifestError is passed without its line, which the
// summary gives already.
func (r *ManifestReport) Summary(word func(error) (string, int)) *ManifestSummary {
	s := &ManifestSummary{Issued: r.Issued, Skipped: r.Skipped, Failed: len(r.Failures), Failures: []RowFailure{}}
	for _, f := range r.Failures {
		_, code := word(f.Err)
		reason := f.Err
		var me *ca.ManifestError
		if errors.As(reason, &me) {
			reason = me.Err // the line is in the summary already
		}
		msg, _ := word(reason)
		s.Failures = append(s.Failures, RowFailure{Line: f.Line, CN: f.CN, Error: msg, ExitCode: code})
	}
	return s
}

// Rows is the number of rows summed up.
func (s *ManifestSummary) Rows() int { return s.Issued + s.Skipped + s.Failed }

// Worst is the highest exit code of the failed rows; 0 for none.
func (s *ManifestSummary) Worst() int {
	worst := 0
	for _, f := range s.Failures {
		worst = max(worst, f.ExitCode)
	}
	return worst
}

// WriteText writes s for people: the counts, then one line per failed row,
// its CN quoted when it holds control characters (a cell could otherwise
// clear the screen or forge lines) and a reason over several lines joined.
func (s *ManifestSummary) WriteText(w io.Writer) error {
	if _, err := fmt.Fprintf(w, "issued %d, skipped %d, failed %d\n", s.Issued, s.Skipped, s.Failed); err != nil {
		return err
	}
	for _, f := range s.Failures {
		if _, err := fmt.Fprintf(w, "  line %d (%s): exit %d: %s\n", f.Line, ca.Printable(f.CN), f.ExitCode, ca.Printable(strings.ReplaceAll(f.Error, "\n", "; "))); err != nil {
			return err
		}
	}
	return nil
}
