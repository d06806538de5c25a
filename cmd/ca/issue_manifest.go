package main

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/internal/errtext"
	"github.com/ca-toolkit/ca/internal/progress"
	"github.com/ca-toolkit/ca/pkg/ca"
)

// runIssueManifest issues every row of --manifest (home.ProvisionManifest)
// and sums up.
func runIssueManifest(ctx context.Context, g *globals, o *issueOptions, cfg home.ProvisionConfig, def ca.KeyRequest) error {
	_, counted := g.stderrTerminal()
	m, err := home.OpenManifest(o.Manifest, g.stdin, counted)
	if err != nil {
		return err
	}
	defer m.Close()
	// A batch makes much short-lived garbage (keys, templates, DER) and
	// little that lives: collect less often, at the cost of some memory.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	bar := progress.NewLazy(func() *progress.Bar { return g.progressBar(m.Rows, "issuing") })
	rep, err := g.h().ProvisionManifest(ctx, cfg, m.ManifestReader, def, func(home.RowResult) { bar.Add(1) })
	bar.Finish()
	if rep == nil {
		return err
	}
	sum := rep.Summary(func(err error) (string, int) { return errtext.Message(err), exitCode(err) })
	if rerr := g.renderText(sum); rerr != nil {
		return rerr
	}
	if err == nil && sum.Worst() != exitOK {
		err = &exitError{code: sum.Worst(), msg: fmt.Sprintf("%d of %d rows failed; see the summary", sum.Failed, sum.Rows())}
	}
	return err
}
