package main

import (
	"os"
	"time"

	"golang.org/x/term"

	"github.com/ca-toolkit/ca/internal/progress"
)

// progressBar returns the progress bar (progress.Bar) of total items (-1:
// not known) on stderr when it is a terminal; nil otherwise. Commands make
// it at their first result, so that it never draws over a passphrase
// prompt; its clock starts when the batch did (batchStart).
func (g *globals) progressBar(total int64, what string) *progress.Bar {
	f, ok := g.stderrTerminal()
	if !ok {
		return nil
	}
	return progress.New(f, total, what, "certs", g.batchStart())
}

// batchStart is when the command's work began: its start, or the end of the
// last passphrase prompt, whichever came last (the time a person spent typing
// is not the batch's).
func (g *globals) batchStart() time.Time {
	if g.prompted.After(g.started) {
		return g.prompted
	}
	return g.started
}

// progress is the bar of a run of n items ("ca sign csr", "ca renew"):
// none for fewer than two.
func (g *globals) progress(n int, what string) *progress.Bar {
	if n < 2 {
		return nil
	}
	return g.progressBar(int64(n), what)
}

// stderrTerminal returns stderr when it is a terminal.
func (g *globals) stderrTerminal() (*os.File, bool) {
	f, ok := g.stderr.(*os.File)
	return f, ok && term.IsTerminal(int(f.Fd()))
}
