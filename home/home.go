// Package home owns a CA's home directory (SPEC.md, "The home"): its layout
// (ca.db and issuers/NAME/{cert.pem,chain.pem,key.pem,policy.json}),
// opening it with its store, loading an issuer (certificate, chain, key
// through a passphrase callback, policy) into a ca.Issuer, creating a home
// (staged, then renamed into place) and an intermediate's directory, the
// runs that sign into it ("ca sign csr": SignCSRs; "ca policy check":
// CheckRequest; "ca issue": Provision, ProvisionManifest), the servers
// and checks that read it ("ca serve": StartServe; "ca publish":
// StartPublish; "ca probe": Probe, Scan; "ca trust": TrustStatus,
// TrustChange, each with its flags checked), the files and arguments
// commands read and the exports they write (ReadCertificateFile, DescribeFile,
// RevokeInput, PKCS12Export, ExportChain), and the warnings "ca store
// check" gives about files the store does not explain.
//
// It does not print, prompt or read flags: the passphrase comes from a
// callback and errors say what to do next. The issuer hierarchy (parents,
// roots, the default-issuer rule) is ca.Hierarchy.
//
// Commands hand it what they were given as requests (CRLExportRequest,
// RenewRequest, CARequest, CrossSignRequest), which it checks into typed
// options (bad input is ca.ErrUsage), and get back reports that carry the
// JSON field names SPEC.md fixes and write their own text (TextReport).
package home

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pkcs11"
	"github.com/ca-toolkit/ca/store"
)

// Files of an issuer directory.
const (
	FileCert   = "cert.pem"
	FileChain  = "chain.pem"
	FileKey    = "key.pem"
	FilePolicy = "policy.json"
)

// Config is what New needs. Dir is required.
type Config struct {
	Dir string
	// LockTimeout is how long to wait for a store another process holds;
	// 0 means one try.
	LockTimeout time.Duration
	// Actor is who changes the store, for its audit log.
	Actor ca.Actor
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Passphrase returns the passphrase of an encrypted issuer key; prompt
	// names the key. Nil means encrypted keys cannot be opened.
	Passphrase func(prompt string) ([]byte, error)
	// Hook, when set, is called at the stages of a change recorded outside a
	// batch (creating an intermediate), as ca.BatchConfig.Hook is.
	Hook func(ca.Stage)
	// Store is the store's URL (--store, $CA_STORE): "" for the home's
	// ca.db, bbolt:PATH for another bbolt file, postgres://... for a
	// PostgreSQL store (store.OpenURL).
	Store string
	// PKCS11 is the module and PIN file of issuer keys on tokens (key.uri).
	PKCS11 pkcs11.Config
}

// Home is a CA home directory.
type Home struct {
	cfg Config
}

// New returns the home in cfg.Dir; it need not exist yet.
func New(cfg Config) *Home {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Home{cfg: cfg}
}

// Dir returns the home's directory.
func (h *Home) Dir() string { return h.cfg.Dir }

// StorePath returns the path of the home's bbolt store (the file a
// bbolt:PATH store URL names); for a PostgreSQL store, where ca.db would be.
func (h *Home) StorePath() string {
	if p, ok := strings.CutPrefix(h.cfg.Store, "bbolt:"); ok {
		return p
	}
	return filepath.Join(h.cfg.Dir, "ca.db")
}

// StoreName names the store in messages: its file, or its URL without a
// password.
func (h *Home) StoreName() string {
	if h.Shared() {
		return store.Redact(h.cfg.Store)
	}
	return h.StorePath()
}

// Shared reports whether the store is a PostgreSQL database, not a file.
func (h *Home) Shared() bool { return store.IsPostgresURL(h.cfg.Store) }

// HasStore reports whether the home's store exists (a shared store is
// taken to; opening it says otherwise).
func (h *Home) HasStore() bool { return h.Shared() || exists(h.StorePath()) }

// openStore opens the configured store with opts.
func (h *Home) openStore(opts store.Options) (store.Handle, error) {
	if h.Shared() {
		return store.OpenPostgres(h.cfg.Store, opts)
	}
	return store.Open(h.StorePath(), opts)
}

// IssuersDir returns the directory that holds the issuers' directories.
func (h *Home) IssuersDir() string { return filepath.Join(h.cfg.Dir, "issuers") }

// IssuerDir returns the directory of the issuer called name.
func (h *Home) IssuerDir(name string) string { return filepath.Join(h.IssuersDir(), name) }

// IssuerFile returns the path of one file (FileCert, ...) of an issuer.
func (h *Home) IssuerFile(name, file string) string { return filepath.Join(h.IssuerDir(name), file) }

// OpenStore opens the home's store for writing, waiting up to the lock timeout.
func (h *Home) OpenStore() (store.Handle, error) {
	return h.openStore(store.Options{Timeout: h.timeout(), Actor: h.cfg.Actor, Now: h.cfg.Now})
}

// OpenStoreRead opens the home's store with a shared lock.
func (h *Home) OpenStoreRead() (store.Handle, error) {
	return h.openStore(store.Options{Timeout: h.timeout(), ReadOnly: true})
}

// timeout is LockTimeout for store.Open, where 0 would mean its default.
func (h *Home) timeout() time.Duration { return max(h.cfg.LockTimeout, time.Nanosecond) }

// Hierarchy reads the home's issuers with the store open read-only for just
// that long.
func (h *Home) Hierarchy(ctx context.Context) (*ca.Hierarchy, error) {
	st, err := h.OpenStoreRead()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return ca.LoadHierarchy(ctx, st)
}

// hook calls the configured hook at stage s.
func (h *Home) hook(s ca.Stage) {
	if h.cfg.Hook != nil {
		h.cfg.Hook(s)
	}
}

// Config returns the home's configuration.
func (h *Home) Config() Config { return h.cfg }
