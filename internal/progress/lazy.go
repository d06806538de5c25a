package progress

// Lazy is a Bar drawn at the first Add, not before: a command's bar then
// never draws over a passphrase prompt that comes before its first
// result. Its methods are called from one goroutine.
type Lazy struct {
	draw func() *Bar
	bar  *Bar
}

// NewLazy returns a Lazy whose bar draw makes. draw may return nil (no
// terminal, too few items): the next Add asks again, and a nil bar does
// nothing.
func NewLazy(draw func() *Bar) *Lazy { return &Lazy{draw: draw} }

// Add draws the bar if it is not drawn yet and counts n more items done.
func (l *Lazy) Add(n int) {
	if l.bar == nil {
		l.bar = l.draw()
	}
	l.bar.Add(n)
}

// Finish finishes the bar, if one was drawn (Bar.Finish).
func (l *Lazy) Finish() { l.bar.Finish() }
