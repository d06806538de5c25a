package publish

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Config.
const (
	DefaultRefresh  = time.Second
	DefaultValidity = time.Hour
	DefaultPeriod   = time.Minute
	// MaxRequest bounds an OCSP request body (a real one is under 200 bytes).
	MaxRequest = 64 << 10
)

// Config is what NewServer needs. Open is required.
type Config struct {
	// Open opens the store for reading; publish closes it after each read.
	Open func() (Store, error)
	// Signers are the issuers' keys by name; an issuer without one gets
	// unauthorized for every OCSP request (its CRL and certificate are
	// still served).
	Signers map[string]crypto.Signer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Refresh is how often the store is checked for changes; 0 means
	// DefaultRefresh. A revocation is answered within about this long.
	Refresh time.Duration
	// Validity is how long an OCSP response is valid (nextUpdate -
	// thisUpdate); 0 means DefaultValidity. Never past the issuer's notAfter.
	Validity time.Duration
	// Period is how long one signed answer is reused: thisUpdate is the
	// start of the current period, and HTTP caches may keep it until its
	// end (max-age); 0 means DefaultPeriod. At most Validity.
	Period time.Duration
	// RefreshCRL, when set, is called from the refresh loop with an issuer
	// whose latest CRL is older than CRLMaxAge, or older than its latest
	// revocation; it signs and records a fresh CRL.
	RefreshCRL func(ctx context.Context, issuer string) error
	CRLMaxAge  time.Duration
	// NewResponder, when set, makes a delegated OCSP responder for the
	// issuer (a key and its certificate, issued and recorded): publish signs
	// the issuer's answers with it, sends the certificate along, and asks
	// for a new one when half of the certificate's life has passed. Nil
	// means each issuer signs its own answers with its key in Signers.
	NewResponder func(ctx context.Context, issuer string) (crypto.Signer, *x509.Certificate, error)
	// ErrorLog receives refresh failures and HTTP server errors; nil
	// discards them.
	ErrorLog *log.Logger
}

// Server answers publication requests from a snapshot of the store.
type Server struct {
	cfg        Config
	responders atomic.Pointer[map[string]*responder]
	snap       atomic.Pointer[snapshot]
	cache      cache
	log        *log.Logger
	// covered is, per issuer, how many revocations the store held when
	// publish last signed its CRL (read by the refresh loop only).
	covered map[string]int
}

// NewServer checks cfg and reads the store once; a store that cannot be
// read is an error here, later failures keep the last snapshot.
func NewServer(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Open == nil {
		return nil, errors.New("publish: config needs Open")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Refresh = cmpOr(cfg.Refresh, DefaultRefresh)
	cfg.Validity = cmpOr(cfg.Validity, DefaultValidity)
	cfg.Period = min(cmpOr(cfg.Period, DefaultPeriod), cfg.Validity)
	s := &Server{cfg: cfg, log: cfg.ErrorLog, covered: map[string]int{}}
	if s.log == nil {
		s.log = log.New(io.Discard, "", 0)
	}
	if err := s.refresh(ctx); err != nil {
		return nil, err
	}
	responders := map[string]*responder{}
	for name, signer := range cfg.Signers {
		is := s.snap.Load().byName[name]
		if is == nil {
			return nil, fmt.Errorf("publish: no issuer %s in the store", name)
		}
		r, err := s.makeResponder(ctx, name, signer, is)
		if err != nil {
			return nil, err
		}
		responders[name] = r
	}
	s.responders.Store(&responders)
	return s, nil
}

// makeResponder returns what signs the issuer's answers: a new delegated
// responder with NewResponder, else the issuer's own key.
func (s *Server) makeResponder(ctx context.Context, name string, signer crypto.Signer, is *issuerState) (*responder, error) {
	if s.cfg.NewResponder == nil {
		r, err := newResponder(signer, is.cert, false)
		if err != nil {
			return nil, fmt.Errorf("publish: issuer %s: %w", name, err)
		}
		return r, nil
	}
	key, cert, err := s.cfg.NewResponder(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("publish: delegated responder of %s: %w", name, err)
	}
	r, err := newResponder(key, cert, true)
	if err != nil {
		return nil, fmt.Errorf("publish: delegated responder of %s: %w", name, err)
	}
	r.notAfter = cert.NotAfter
	r.renewAt = cert.NotBefore.Add(cert.NotAfter.Sub(cert.NotBefore) / 2)
	return r, nil
}

// renewResponders replaces each delegated responder past half its life.
func (s *Server) renewResponders(ctx context.Context) {
	if s.cfg.NewResponder == nil {
		return
	}
	now := s.cfg.Now()
	old := *s.responders.Load()
	var next map[string]*responder
	for name, r := range old {
		if now.Before(r.renewAt) {
			continue
		}
		nr, err := s.makeResponder(ctx, name, nil, nil)
		if err != nil {
			s.log.Printf("%v", err)
			continue
		}
		if next == nil {
			next = maps.Clone(old)
		}
		next[name] = nr
	}
	if next != nil {
		s.responders.Store(&next)
	}
}

func cmpOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// refresh reads the store again when its version moved.
func (s *Server) refresh(ctx context.Context) error {
	st, err := s.cfg.Open()
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.Version()
	if err != nil {
		return err
	}
	if old := s.snap.Load(); old != nil && old.version == v {
		return nil
	}
	snap, err := load(ctx, st, v)
	if err != nil {
		return err
	}
	s.snap.Store(snap)
	return nil
}

// Run refreshes the snapshot every Refresh until ctx is done, and signs
// fresh CRLs when RefreshCRL is set; failures go to ErrorLog and the last
// snapshot stays.
func (s *Server) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.refresh(ctx); err != nil {
			s.log.Printf("refresh: %v", err)
			continue
		}
		s.refreshCRLs(ctx)
		s.renewResponders(ctx)
	}
}

// refreshCRLs calls RefreshCRL for each issuer whose CRL is stale.
func (s *Server) refreshCRLs(ctx context.Context) {
	if s.cfg.RefreshCRL == nil {
		return
	}
	now := s.cfg.Now()
	changed := false
	for _, is := range s.snap.Load().issuers {
		if !s.crlStale(is, now) {
			continue
		}
		if err := s.cfg.RefreshCRL(ctx, is.name); err != nil {
			s.log.Printf("crl refresh of %s: %v", is.name, err)
			continue
		}
		s.covered[is.name] = is.revoked // the new CRL holds at least these
		changed = true
	}
	if changed {
		if err := s.refresh(ctx); err != nil {
			s.log.Printf("refresh: %v", err)
		}
	}
}

// crlStale says the issuer's latest CRL is missing, older than CRLMaxAge,
// or may lack a revocation: one more than publish's last CRL covered, or,
// before publish signed one, a revocation not before the CRL's thisUpdate
// (whole seconds: one in the same second may have come after it).
func (s *Server) crlStale(is *issuerState, now time.Time) bool {
	if is.crl == nil || now.Sub(is.crl.ThisUpdate) >= s.cfg.CRLMaxAge {
		return true
	}
	if n, ok := s.covered[is.name]; ok {
		return is.revoked > n
	}
	return is.revoked > 0 && !is.lastRevoked.Before(is.crl.ThisUpdate)
}

// Serve serves HTTP on ln, with the refresh loop, until ctx is done; then
// it stops accepting and gives requests in flight five seconds.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          s.log,
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.Run(ctx) }()
	go func() {
		defer wg.Done()
		<-ctx.Done()
		sctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
		defer stop()
		srv.Shutdown(sctx)
	}()
	err := srv.Serve(ln)
	cancel()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("publish: serve: %w", err)
}

// ServeHTTP answers GET /crl/NAME.crl (NAME-SHARD.crl for a shard's), GET /ca/NAME.crt and OCSP at /ocsp
// (POST) and /ocsp/BASE64 (GET, RFC 5019). Anything else is 404 or 405.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	switch {
	case path == "/ocsp" || strings.HasPrefix(path, "/ocsp/"):
		s.serveOCSP(w, r, strings.TrimPrefix(strings.TrimPrefix(path, "/ocsp"), "/"))
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	case strings.HasPrefix(path, "/crl/") && strings.HasSuffix(path, ".crl"):
		s.serveCRL(w, r, strings.TrimSuffix(strings.TrimPrefix(path, "/crl/"), ".crl"))
	case strings.HasPrefix(path, "/ca/") && strings.HasSuffix(path, ".crt"):
		s.serveCert(w, r, strings.TrimSuffix(strings.TrimPrefix(path, "/ca/"), ".crt"))
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) serveCRL(w http.ResponseWriter, r *http.Request, name string) {
	crl := s.snap.Load().crlNamed(name)
	if crl == nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pkix-crl")
	h.Set("Last-Modified", crl.ThisUpdate.UTC().Format(http.TimeFormat))
	// A CRL may be replaced at any time (a revocation, --crl-refresh):
	// caches keep it a minute at most, and never past its nextUpdate.
	age := min(time.Minute, crl.NextUpdate.Sub(s.cfg.Now()))
	h.Set("Cache-Control", "max-age="+strconv.Itoa(max(int(age/time.Second), 0)))
	s.body(w, r, crl.DER)
}

func (s *Server) serveCert(w http.ResponseWriter, r *http.Request, name string) {
	is := s.snap.Load().byName[name]
	if is == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-cert")
	w.Header().Set("Cache-Control", "max-age=3600")
	s.body(w, r, is.cert.Raw)
}

func (s *Server) body(w http.ResponseWriter, r *http.Request, der []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(der)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(der)
}

// serveOCSP reads the request, POST body or GET path, and answers it.
func (s *Server) serveOCSP(w http.ResponseWriter, r *http.Request, rest string) {
	var der []byte
	switch r.Method {
	case http.MethodPost:
		if rest != "" {
			http.NotFound(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequest))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, fmt.Sprintf("OCSP request over %d bytes", MaxRequest), http.StatusRequestEntityTooLarge)
			return
		}
		if err != nil {
			http.Error(w, "could not read the request", http.StatusBadRequest)
			return
		}
		der = body
	case http.MethodGet, http.MethodHead:
		// RFC 5019, 5: the base64 DER, URL-encoded, after the path.
		u, err := url.PathUnescape(rest)
		if err == nil {
			der, err = base64.StdEncoding.DecodeString(u)
		}
		if err != nil || len(der) == 0 {
			der = nil
		}
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	resp, hdr := s.Respond(der)
	for k, v := range hdr {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	s.body(w, r, resp)
}
