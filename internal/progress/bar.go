// Package progress draws the progress bar of a batch of the ca command
// (sign csr, issue --manifest, renew) on a terminal, with the batch's rate.
// It owns the drawing only: whether a bar is shown (a terminal), and when
// the batch began, are the command's to decide.
package progress

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// refresh is how often a batch's bar is redrawn at most, and at
// least while the batch runs (results of a group commit arrive together).
const refresh = 100 * time.Millisecond

// Bar is the progress bar of a batch (sign csr, issue --manifest, renew) on
// a terminal. It is drawn at 0 when the batch starts, so its clock is the
// batch's; it is redrawn every refresh whether results come or not; the
// rate it shows is the items done over the time since the batch began, its
// real rate, never a burst's; its last frame (every item, the rate and time
// of the whole batch) stays on the terminal. A nil *Bar does nothing.
type Bar struct {
	bar        *progressbar.ProgressBar
	what, unit string
	start      time.Time

	mu   sync.Mutex
	done int64
	stop chan struct{}
	wg   sync.WaitGroup
}

// New draws a bar for total items (-1: unknown, a spinner) on w, described
// as what, counting unit ("certs"), for a batch that began at start.
func New(w io.Writer, total int64, what, unit string, start time.Time) *Bar {
	p := &Bar{what: what, unit: unit, start: start, stop: make(chan struct{})}
	p.bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionSetRenderBlankState(true), progressbar.OptionThrottle(refresh),
		progressbar.OptionSetElapsedTime(true), progressbar.OptionSetPredictTime(false),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
	p.wg.Add(1)
	go p.tick()
	return p
}

// tick redraws the bar until Finish.
func (p *Bar) tick() {
	defer p.wg.Done()
	t := time.NewTicker(refresh)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.bar.Describe(p.description())
			p.mu.Unlock()
		}
	}
}

// description is what, with the rate since the start once there is one.
func (p *Bar) description() string {
	if p.done == 0 {
		return p.what
	}
	return fmt.Sprintf("%s (%s)", p.what, rateText(p.done, time.Since(p.start), p.unit))
}

// rateText is n items over d, per second (per minute when under one a second).
func rateText(n int64, d time.Duration, unit string) string {
	perSec := float64(n) / max(d.Seconds(), 1e-3)
	if perSec < 1 {
		return fmt.Sprintf("%.1f %s/min", perSec*60, unit)
	}
	return fmt.Sprintf("%.0f %s/s", perSec, unit)
}

// Add counts n more items done.
func (p *Bar) Add(n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// The description first: the Add that completes the bar draws its last
	// frame, with the rate of every item.
	p.done += int64(n)
	p.bar.Describe(p.description())
	p.bar.Add(n)
}

// Finish stops the redraws and draws the last frame, every item done.
func (p *Bar) Finish() {
	if p == nil {
		return
	}
	close(p.stop)
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar.IsFinished() {
		return // the last Add drew the last frame
	}
	p.bar.Describe(p.description())
	p.bar.Finish()
}
