package home_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
)

// TestProvisionedReport: the report of "ca issue" has the certificate's
// fields and the three files, and its text lists them.
func TestProvisionedReport(t *testing.T) {
	h := newHome(t)
	dir := t.TempDir()
	p, err := h.Provision(context.Background(), home.ProvisionConfig{Dir: dir}, ca.KeyRequest{
		Subject: subject, Profile: ca.ProfileClient, Validity: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := p.Report()
	if r.Serial != ca.FormatSerial(p.Issued.Cert.SerialNumber) || r.Issuer != "root" || r.Profile != "client" ||
		r.SANs == nil || r.Key != p.Key || r.Cert != p.Cert || r.Chain != p.Chain || r.NotAfter.Location() != time.UTC {
		t.Errorf("report %+v", r)
	}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "issued CN=Test Root,O=Example,C=DE\n  serial   " + r.Serial + "\n  notAfter " + p.Issued.Cert.NotAfter.UTC().Format(time.RFC3339) +
		"\n  key      " + p.Key + "\n  cert     " + p.Cert + "\n  chain    " + p.Chain + "\n"
	if b.String() != want {
		t.Errorf("text %q, want %q", b.String(), want)
	}
}

// TestManifestSummary: failures keep their lines, a bad cell is worded
// without its line (the summary has it), the worst exit code wins, and the
// text quotes a CN with control characters and joins a reason's lines.
func TestManifestSummary(t *testing.T) {
	rep := &home.ManifestReport{Issued: 3, Skipped: 1, Failures: []home.RowResult{
		{Line: 2, CN: "a\x1b[2J", Err: &ca.ManifestError{Line: 2, Err: errors.New("bad cell")}},
		{Line: 5, CN: "b", Err: fmt.Errorf("%w: two\nlines", ca.ErrExists)},
	}}
	// The exit code is the whole error's (a bad cell: 2), the words the
	// reason's without its line; an error of no known kind would be 9.
	word := func(err error) (string, int) {
		var me *ca.ManifestError
		switch {
		case errors.As(err, &me):
			return err.Error(), 2
		case errors.Is(err, ca.ErrExists):
			return err.Error(), 5
		}
		return err.Error(), 9
	}
	sum := rep.Summary(word)
	if sum.Issued != 3 || sum.Skipped != 1 || sum.Failed != 2 || sum.Rows() != 6 || sum.Worst() != 5 {
		t.Errorf("summary %+v, rows %d, worst %d", sum, sum.Rows(), sum.Worst())
	}
	if f := sum.Failures[0]; f.Line != 2 || f.Error != "bad cell" || f.ExitCode != 2 {
		t.Errorf("first failure %+v, want line 2, exit 2, the cell's error without its line", f)
	}
	var b strings.Builder
	if err := sum.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "issued 3, skipped 1, failed 2\n  line 2 (\"a\\x1b[2J\"): exit 2: bad cell\n  line 5 (b): exit 5: ca: already exists: two; lines\n"
	if b.String() != want {
		t.Errorf("text\n%q, want\n%q", b.String(), want)
	}
	if empty := (&home.ManifestReport{}).Summary(nil); empty.Failures == nil || empty.Worst() != 0 {
		t.Errorf("empty summary %+v", empty)
	}
}
