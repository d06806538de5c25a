package tlsendpoint

import (
	"context"
	"crypto/tls"
	"sync/atomic"
	"time"
)

// Staple is an OCSP response to staple and when it stops being valid.
type Staple struct {
	DER        []byte
	NextUpdate time.Time
}

// stapler keeps the served certificate with a current OCSP staple: it
// fetches one at start and again halfway to each staple's nextUpdate (a
// minute after a failure, keeping the old staple until it lapses).
type stapler struct {
	fetch func(ctx context.Context) (Staple, error)
	base  tls.Certificate
	cur   atomic.Pointer[tls.Certificate]
	next  time.Time // nextUpdate of the current staple
	now   func() time.Time
	log   func(format string, args ...any)
}

func newStapler(base tls.Certificate, fetch func(context.Context) (Staple, error), now func() time.Time, logf func(string, ...any)) *stapler {
	st := &stapler{fetch: fetch, base: base, now: now, log: logf}
	st.cur.Store(&base)
	return st
}

// certificate is the tls.Config.GetCertificate of a stapling server.
func (st *stapler) certificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return st.cur.Load(), nil
}

// refresh fetches a staple and returns how long to wait for the next one.
func (st *stapler) refresh(ctx context.Context) time.Duration {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := st.fetch(ctx)
	now := st.now()
	if err != nil || !s.NextUpdate.After(now) {
		if err != nil {
			st.log("ocsp staple: %v", err)
		}
		if !st.next.After(now) { // the old staple lapsed: staple nothing
			st.cur.Store(&st.base)
		}
		return time.Minute
	}
	c := st.base
	c.OCSPStaple = s.DER
	st.cur.Store(&c)
	st.next = s.NextUpdate
	return min(max(s.NextUpdate.Sub(now)/2, time.Second), time.Hour)
}

// run refreshes the staple until ctx is done.
func (st *stapler) run(ctx context.Context) {
	for {
		t := time.NewTimer(st.refresh(ctx))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
