package tlsendpoint

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log"
	"sync"
	"sync/atomic"
	"time"
)

// verifyConnection is the Server's tls.Config.VerifyConnection. crypto/tls
// calls it on full and on resumed handshakes (VerifyPeerCertificate is not
// called on resumed ones), with the client's certificates taken from the
// session ticket on resumption, so a revocation also ends resumed sessions.
func (s *Server) verifyConnection(cs tls.ConnectionState) error {
	if s.clientAuth == ClientAuthNone {
		return nil
	}
	if len(cs.PeerCertificates) == 0 {
		if s.clientAuth == ClientAuthRequire {
			return errNoClientCertificate
		}
		return nil
	}
	now := s.now()
	v, err := s.verified.verify(cs.PeerCertificates, s.roots, s.inters, now)
	if err != nil {
		return err
	}
	revoked, err := s.revoked.current()
	if err != nil {
		return err
	}
	return v.checkRevoked(revoked, now)
}

// serialHex is the key of a serial in a RevocationSource's map.
func serialHex(c *x509.Certificate) string {
	if b := c.SerialNumber.Bytes(); len(b) > 0 {
		return hex.EncodeToString(b)
	}
	return "00"
}

// verification is the result of verifying one client chain: the chains
// x509 built, each reduced to its validity window and the serials in it.
type verification struct {
	subject string
	serial  string
	chains  []verifiedChain
}

type verifiedChain struct {
	notBefore, notAfter time.Time // intersection of the certificates' windows
	serials             []string  // serialHex of every certificate, leaf first
}

func (v *verification) validAt(now time.Time) bool {
	for _, c := range v.chains {
		if !now.Before(c.notBefore) && !now.After(c.notAfter) {
			return true
		}
	}
	return false
}

// checkRevoked accepts the client when one chain valid at now has no
// revoked certificate (verify returns v only with one valid at now).
func (v *verification) checkRevoked(revoked map[string]bool, now time.Time) error {
	if bad := v.revokedIn(revoked, now); bad != "" {
		return v.revokedError(bad)
	}
	return nil
}

// maxVerifyCache bounds the verification cache; when full it is emptied.
const maxVerifyCache = 4096

// verifyCache keeps the chains built for the certificate lists clients sent,
// so that a returning client (a resumed session above all) costs a hash and
// a map lookup instead of signature checks. An entry is used only while one
// of its chains is within its validity window; the pools never change for a
// Server, so an entry stays correct otherwise.
type verifyCache struct {
	mu sync.RWMutex
	m  map[[sha256.Size]byte]*verification
}

func (c *verifyCache) verify(peer []*x509.Certificate, roots, inters *x509.CertPool, now time.Time) (*verification, error) {
	h := sha256.New()
	var n [4]byte
	for _, cert := range peer {
		binary.BigEndian.PutUint32(n[:], uint32(len(cert.Raw)))
		h.Write(n[:])
		h.Write(cert.Raw)
	}
	var key [sha256.Size]byte
	h.Sum(key[:0])

	c.mu.RLock()
	v := c.m[key]
	c.mu.RUnlock()
	if v != nil && v.validAt(now) {
		return v, nil
	}

	leaf := peer[0]
	pool := inters
	if len(peer) > 1 {
		pool = inters.Clone()
		for _, cert := range peer[1:] {
			pool.AddCert(cert)
		}
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: pool,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return nil, fmt.Errorf("tlsendpoint: client certificate %q, serial %s, does not verify against the home's roots: %w",
			leaf.Subject.String(), serialHex(leaf), err)
	}
	v = &verification{subject: leaf.Subject.String(), serial: serialHex(leaf)}
	for _, chain := range chains {
		vc := verifiedChain{notBefore: chain[0].NotBefore, notAfter: chain[0].NotAfter}
		for _, cert := range chain {
			if cert.NotBefore.After(vc.notBefore) {
				vc.notBefore = cert.NotBefore
			}
			if cert.NotAfter.Before(vc.notAfter) {
				vc.notAfter = cert.NotAfter
			}
			vc.serials = append(vc.serials, serialHex(cert))
		}
		v.chains = append(v.chains, vc)
	}

	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxVerifyCache {
		c.m = make(map[[sha256.Size]byte]*verification)
	}
	c.m[key] = v
	c.mu.Unlock()
	return v, nil
}

// revocationCache holds the latest revocation set and refreshes it: in the
// background while Serve runs (run), and lazily, without waiting, when a
// handshake finds it older than the interval.
type revocationCache struct {
	source   RevocationSource
	interval time.Duration
	errorLog *log.Logger
	// onRefresh, when set, is called with each set a refresh reads, after
	// it is in use (the Server closes connections of revoked clients).
	onRefresh func(map[string]bool)

	set      atomic.Pointer[revokedSet]
	running  atomic.Bool   // a refresh is in flight
	loaded   chan struct{} // closed by the first successful refresh
	loadOnce sync.Once
}

type revokedSet struct {
	serials map[string]bool
	at      time.Time // when the refresh that read it started (monotonic)
}

func newRevocationCache(src RevocationSource, interval time.Duration, errorLog *log.Logger) *revocationCache {
	return &revocationCache{source: src, interval: interval, errorLog: errorLog, loaded: make(chan struct{})}
}

// refresh calls the source once, unless a refresh is already in flight. On
// error it keeps the previous set.
func (c *revocationCache) refresh(ctx context.Context) {
	if !c.running.CompareAndSwap(false, true) {
		return
	}
	defer c.running.Store(false)
	start := time.Now()
	callCtx, cancel := context.WithTimeout(ctx, refreshTimeout)
	defer cancel()
	m, err := c.source(callCtx)
	if err != nil {
		if ctx.Err() != nil {
			return // Serve is shutting down
		}
		c.errorLog.Printf("tlsendpoint: refreshing the revocation set (the previous one stays in use): %v", err)
		return
	}
	if m == nil {
		m = map[string]bool{}
	}
	c.set.Store(&revokedSet{serials: m, at: start})
	c.loadOnce.Do(func() { close(c.loaded) })
	if c.onRefresh != nil {
		c.onRefresh(m)
	}
}

// run refreshes the set every interval until ctx is done.
func (c *revocationCache) run(ctx context.Context) {
	for {
		attempt := time.Now()
		c.refresh(ctx)
		next := attempt.Add(c.interval)
		if set := c.set.Load(); set != nil && set.at.Add(c.interval).After(next) {
			next = set.at.Add(c.interval)
		}
		t := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// current returns the latest set. A stale set starts a refresh in the
// background and is used meanwhile; with no set yet, current waits for the
// first one up to firstLoadWait.
func (c *revocationCache) current() (map[string]bool, error) {
	set := c.set.Load()
	if (set == nil || time.Since(set.at) >= c.interval) && !c.running.Load() {
		go c.refresh(context.Background())
	}
	if set != nil {
		return set.serials, nil
	}
	t := time.NewTimer(firstLoadWait)
	defer t.Stop()
	select {
	case <-c.loaded:
		return c.set.Load().serials, nil
	case <-t.C:
		return nil, ErrRevocationUnavailable
	}
}
