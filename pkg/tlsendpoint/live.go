package tlsendpoint

import (
	"context"
	"crypto/tls"
	"fmt"
	"log"
	"net"
	"net/http"
	"sync"
	"time"
)

// A revocation reaches open connections too, not only new handshakes: a
// client that keeps its connection alive (HTTP/1.1 keep-alive, an HTTP/2
// connection) is not served again once its certificate is revoked. Two
// lines of defence:
//
//   - every request of a client with a certificate is checked against the
//     current revocation set (guard): a revoked client gets 403 and the
//     connection is closed;
//   - every connection that has carried such a request is remembered with
//     its client's verified chains (liveConns), and each refresh of the
//     revocation set closes those whose client is now revoked, so an idle
//     kept-alive connection ends within a RefreshInterval of the
//     revocation being read from the store, not at its next request.

// connKey is the request context key of the connection a request came on
// (set by Serve's http.Server through ConnContext).
type connKey struct{}

// liveConns is the set of open connections whose client sent a
// certificate, with that client's verification. It is safe for concurrent
// use.
type liveConns struct {
	mu sync.Mutex
	m  map[net.Conn]*verification
}

// lookup returns the verification recorded for c, or nil.
func (l *liveConns) lookup(c net.Conn) *verification {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m[c]
}

// add records c with its client's verification.
func (l *liveConns) add(c net.Conn, v *verification) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = make(map[net.Conn]*verification)
	}
	l.m[c] = v
}

// remove forgets c (it was closed or hijacked).
func (l *liveConns) remove(c net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, c)
}

// closeRevoked closes every connection whose client is revoked in set and
// forgets it; it logs each one to errorLog.
func (l *liveConns) closeRevoked(set map[string]bool, errorLog *log.Logger) {
	type victim struct {
		c      net.Conn
		v      *verification
		serial string
	}
	var victims []victim
	l.mu.Lock()
	for c, v := range l.m {
		if sn := v.revokedIn(set, time.Time{}); sn != "" {
			victims = append(victims, victim{c, v, sn})
			delete(l.m, c)
		}
	}
	l.mu.Unlock()
	for _, x := range victims {
		closeNow(x.c)
		errorLog.Printf("tlsendpoint: closed a connection from %s: %v", x.c.RemoteAddr(), x.v.revokedError(x.serial))
	}
}

// closeNow closes c at once: for a TLS connection, the connection under it,
// so that no close_notify waits on a client that does not read.
func closeNow(c net.Conn) {
	if tc, ok := c.(*tls.Conn); ok {
		tc.NetConn().Close()
		return
	}
	c.Close()
}

// revokedIn returns the serial that revokes v in set: one of the revoked
// serials when every chain of v valid at now holds one, "" when some such
// chain holds none. A zero now looks at every chain (the handshake
// checked their validity).
func (v *verification) revokedIn(set map[string]bool, now time.Time) string {
	bad := ""
	for _, c := range v.chains {
		if !now.IsZero() && (now.Before(c.notBefore) || now.After(c.notAfter)) {
			continue
		}
		found := ""
		for _, sn := range c.serials {
			if set[sn] {
				found = sn
				break
			}
		}
		if found == "" {
			return ""
		}
		bad = found
	}
	return bad
}

// revokedError words a revocation found by revokedIn.
func (v *verification) revokedError(bad string) error {
	if bad == v.serial {
		return fmt.Errorf("%w: client certificate %q, serial %s", ErrRevoked, v.subject, v.serial)
	}
	return fmt.Errorf("%w: serial %s in the chain of client certificate %q, serial %s", ErrRevoked, bad, v.subject, v.serial)
}

// guard checks each request of a client with a certificate against the
// current revocation set before next serves it: a revoked client gets 403
// and its connection is closed. Without client authentication it is next.
func (s *Server) guard(next http.Handler) http.Handler {
	if s.revoked == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		if err := s.checkRequest(r); err != nil {
			s.errorLog.Printf("tlsendpoint: refused a request from %s: %v", r.RemoteAddr, err)
			w.Header().Set("Connection", "close") // HTTP/1.1; an HTTP/2 connection is closed below
			http.Error(w, "the client certificate is no longer accepted", http.StatusForbidden)
			if c, ok := r.Context().Value(connKey{}).(net.Conn); ok && r.ProtoMajor >= 2 {
				if f, ok := w.(http.Flusher); ok {
					f.Flush()
				}
				closeNow(c)
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkRequest verifies the client of r (once per connection: the result
// is kept with the connection) and checks it against the current
// revocation set.
func (s *Server) checkRequest(r *http.Request) error {
	c, _ := r.Context().Value(connKey{}).(net.Conn)
	var v *verification
	if c != nil {
		v = s.live.lookup(c)
	}
	if v == nil {
		var err error
		if v, err = s.verified.verify(r.TLS.PeerCertificates, s.roots, s.inters, s.now()); err != nil {
			return err
		}
		if c != nil {
			s.live.add(c, v)
		}
	}
	set, err := s.revoked.current()
	if err != nil {
		return err
	}
	if sn := v.revokedIn(set, time.Time{}); sn != "" {
		return v.revokedError(sn)
	}
	return nil
}

// trackConns sets srv's hooks that keep s.live: each connection is put in
// its requests' context, and forgotten when it closes.
func (s *Server) trackConns(srv *http.Server) {
	if s.revoked == nil {
		return
	}
	srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, c)
	}
	srv.ConnState = func(c net.Conn, st http.ConnState) {
		if st == http.StateClosed || st == http.StateHijacked {
			s.live.remove(c)
		}
	}
}
