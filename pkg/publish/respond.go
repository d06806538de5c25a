package publish

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// maxCached bounds the response cache; past it, the cache starts over.
const maxCached = 1 << 17

// cache holds signed answers to requests without a nonce, by issuer and
// CertID, for the period they were signed in.
type cache struct {
	mu sync.RWMutex
	m  map[string]cached
}

type cached struct {
	by         *responder // a renewed responder signs anew
	st         status
	thisUpdate time.Time
	der        []byte
}

func (c *cache) get(key string, by *responder, st status, thisUpdate time.Time) []byte {
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if !ok || e.by != by || !e.thisUpdate.Equal(thisUpdate) || !e.st.same(st) {
		return nil
	}
	return e.der
}

func (c *cache) put(key string, e cached) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = make(map[string]cached)
	}
	c.m[key] = e
	c.mu.Unlock()
}

func (a status) same(b status) bool {
	return a.kind == b.kind && a.reason == b.reason && a.revokedAt.Equal(b.revokedAt)
}

// Respond answers one DER OCSP request (RFC 6960): the response and the
// HTTP headers that go with it. A request that does not parse gets
// malformedRequest; one about a certificate of no issuer of the home, or
// of one whose key publish does not hold or that has expired, gets
// unauthorized. Otherwise the issuer signs good, revoked (time, reason) or
// unknown, valid from the start of the current period for Validity, with
// the request's nonce echoed. Answers to requests without a nonce are
// signed once per period and status: a revocation makes the next answer a
// new one.
func (s *Server) Respond(der []byte) ([]byte, http.Header) {
	req, err := parseRequest(der)
	if err != nil {
		return errorResponse(statusMalformed), nil
	}
	is := s.snap.Load().find(req)
	var p *responder
	if is != nil {
		p = (*s.responders.Load())[is.name]
	}
	if p == nil {
		return errorResponse(statusUnauthorized), nil
	}
	st := is.statusOf(req)
	now := s.cfg.Now()
	thisUpdate := now.UTC().Truncate(s.cfg.Period)
	nextUpdate := thisUpdate.Add(s.cfg.Validity)
	if na := is.cert.NotAfter; nextUpdate.After(na) {
		nextUpdate = na
	}
	if na := p.notAfter; !na.IsZero() && nextUpdate.After(na) {
		nextUpdate = na
	}
	if !nextUpdate.After(now) {
		return errorResponse(statusUnauthorized), nil
	}
	cacheable := req.nonce == nil && req.plain
	key := is.name + "\x00" + string(req.certID)
	var resp []byte
	if cacheable {
		resp = s.cache.get(key, p, st, thisUpdate)
	}
	if resp == nil {
		if resp, err = p.sign(req, st, thisUpdate, nextUpdate, now); err != nil {
			s.log.Printf("ocsp: %v", err)
			return errorResponse(statusInternal), nil
		}
		if cacheable {
			s.cache.put(key, cached{by: p, st: st, thisUpdate: thisUpdate, der: resp})
		}
	}
	return resp, s.headers(cacheable, thisUpdate, now)
}

// headers are the HTTP caching headers of an answer (RFC 5019, 6.2):
// cacheable ones until the end of their period, which is never past
// nextUpdate; answers with a nonce not at all.
func (s *Server) headers(cacheable bool, thisUpdate, now time.Time) http.Header {
	if !cacheable {
		return http.Header{"Cache-Control": {"no-store"}}
	}
	end := thisUpdate.Add(s.cfg.Period)
	age := max(int(end.Sub(now)/time.Second), 0)
	return http.Header{
		"Cache-Control": {"max-age=" + strconv.Itoa(age) + ", public, no-transform, must-revalidate"},
		"Last-Modified": {thisUpdate.Format(http.TimeFormat)},
		"Expires":       {end.Format(http.TimeFormat)},
	}
}
