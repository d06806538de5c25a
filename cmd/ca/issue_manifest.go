package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
)

// runIssueManifest issues every row of --manifest (home.ProvisionManifest)
// and sums up.
func runIssueManifest(ctx context.Context, g *globals, o *issueOptions, cfg home.ProvisionConfig, def ca.KeyRequest) error {
	in, total, err := g.openManifest(o.manifest)
	if err != nil {
		return err
	}
	defer in.Close()
	mr, err := ca.NewManifestReader(in)
	if err != nil {
		return err
	}
	// A batch makes much short-lived garbage (keys, templates, DER) and
	// little that lives: collect less often, at the cost of some memory.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	var bar *batchProgress
	rep, err := g.h().ProvisionManifest(ctx, cfg, mr, def, func(home.RowResult) {
		if bar == nil {
			bar = g.progressBar(total, "issuing")
		}
		bar.Add(1)
	})
	bar.Finish()
	if rep == nil {
		return err
	}
	sum := newIssueSummary(rep)
	if rerr := g.render(sum); rerr != nil {
		return rerr
	}
	if err == nil && sum.worst != exitOK {
		err = &exitError{code: sum.worst, msg: fmt.Sprintf("%d of %d rows failed; see the summary", sum.Failed, sum.Issued+sum.Skipped+sum.Failed)}
	}
	return err
}

// openManifest opens path ("-" is stdin) and counts its rows for the
// progress bar (-1 when it cannot tell, or no bar is shown).
func (g *globals) openManifest(path string) (io.ReadCloser, int64, error) {
	if path == "-" {
		return io.NopCloser(g.stdin), -1, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("open manifest: %w", err)
	}
	total := int64(-1)
	if _, ok := g.stderrTerminal(); ok {
		total = home.CountRows(path)
	}
	return f, total, nil
}

// issueSummary counts the results of a manifest; its JSON is the -o json output.
type issueSummary struct {
	Issued   int            `json:"issued"`
	Skipped  int            `json:"skipped"`
	Failed   int            `json:"failed"`
	Failures []issueFailure `json:"failures"`

	worst int
}

// issueFailure is one failed row.
type issueFailure struct {
	Line     int    `json:"line"`
	CN       string `json:"cn"`
	Error    string `json:"error"`
	ExitCode int    `json:"exitCode"`
}

func newIssueSummary(rep *home.ManifestReport) *issueSummary {
	s := &issueSummary{Issued: rep.Issued, Skipped: rep.Skipped, Failed: len(rep.Failures), Failures: []issueFailure{}}
	for _, f := range rep.Failures {
		code := exitCode(f.Err)
		s.worst = max(s.worst, code)
		reason := f.Err
		var me *ca.ManifestError
		if errors.As(reason, &me) {
			reason = me.Err // the line is in the summary already
		}
		s.Failures = append(s.Failures, issueFailure{Line: f.Line, CN: f.CN, Error: message(reason), ExitCode: code})
	}
	return s
}

func (s *issueSummary) text(w io.Writer) {
	fmt.Fprintf(w, "issued %d, skipped %d, failed %d\n", s.Issued, s.Skipped, s.Failed)
	for _, f := range s.Failures {
		// One line per row: a CN with control characters quoted (a cell
		// could otherwise clear the screen or forge lines), a reason over
		// several lines joined.
		fmt.Fprintf(w, "  line %d (%s): exit %d: %s\n", f.Line, printable(f.CN), f.ExitCode, printable(strings.ReplaceAll(f.Error, "\n", "; ")))
	}
}
