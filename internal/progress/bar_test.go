package progress

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBarRate: results that arrive in one burst after a while (a
// group commit) show the batch's rate, items over the time since the
// start, not the burst's; the last frame shows every item.
func TestBarRate(t *testing.T) {
	var out bytes.Buffer
	p := New(&out, 200, "issuing", "certs", time.Now())
	time.Sleep(400 * time.Millisecond)
	for range 200 {
		p.Add(1)
	}
	p.Finish()
	m := regexp.MustCompile(`issuing \(([0-9]+) certs/s\) 100% .*\(200/200\)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no last frame with the rate:\n%q", out.String())
	}
	// 200 in at least 0.4 s: at most 500 a second (and not a burst's
	// thousands); at least 10 a second unless the machine stalled for 20 s.
	if rate, _ := strconv.Atoi(m[1]); rate > 500 || rate < 10 {
		t.Errorf("rate %d certs/s, want the batch's (about 500)", rate)
	}
}

// TestBarNil: no terminal, no bar, and its methods do nothing.
func TestBarNil(t *testing.T) {
	var p *Bar
	p.Add(1)
	p.Finish()
}

// TestLazy: the bar is drawn at the first Add, not before; draw is asked
// again while it gives none; Finish without a bar does nothing.
func TestLazy(t *testing.T) {
	var out bytes.Buffer
	asked := 0
	l := NewLazy(func() *Bar {
		asked++
		if asked < 2 {
			return nil
		}
		return New(&out, 3, "signing", "certs", time.Now())
	})
	if asked != 0 || out.Len() != 0 {
		t.Fatalf("drawn before the first Add: asked %d, %q", asked, out.String())
	}
	l.Add(1) // no bar yet
	l.Add(1)
	l.Add(1)
	l.Finish()
	if asked != 2 || !strings.Contains(out.String(), "(0/3)") || !strings.Contains(out.String(), "(3/3)") {
		t.Errorf("asked %d times, bar %q; want 2, the bar drawn at 0 and finished", asked, out.String())
	}
	NewLazy(func() *Bar { return nil }).Finish()
}
