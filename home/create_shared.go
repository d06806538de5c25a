package home

import (
	"context"
	"crypto/x509"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/store"
)

// recordRoot creates the store (a new bbolt file at path, or the shared
// store's schema) and records the root in it. A shared store that already
// holds an issuer is refused (ca.ErrExists): it has a home already, which
// other machines join by copying its issuers/ directory.
func (h *Home) recordRoot(ctx context.Context, path string, cert *x509.Certificate, name string, urls ca.IssuerURLs) error {
	opts := store.Options{Create: true, Timeout: h.cfg.LockTimeout, Actor: h.cfg.Actor}
	var st store.Handle
	var err error
	if h.Shared() {
		st, err = store.OpenPostgres(h.cfg.Store, opts)
	} else {
		st, err = store.Open(path, opts)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	if h.Shared() {
		issuers, err := st.Issuers(ctx)
		if err != nil {
			return err
		}
		if len(issuers) > 0 {
			names := make([]string, len(issuers))
			for i, iss := range issuers {
				names[i] = iss.Name
			}
			return fmt.Errorf("%w: the store %s already holds a CA (issuers %s); nothing changed. To use it from this machine, copy its home's issuers/ directory and pass the same --store",
				ca.ErrExists, st.Path(), strings.Join(names, ", "))
		}
	}
	return st.AddIssuer(ctx, ca.IssuerRecord{Name: name, Serial: cert.SerialNumber, DER: cert.Raw, URLs: urls},
		ca.NewCertRecord(cert, name, ca.ProfileRoot.Name()))
}

// checkCreateStore refuses a bbolt:PATH store other than the home's own
// ca.db for init: the home is built whole, its store inside it.
func (h *Home) checkCreateStore() error {
	if !strings.HasPrefix(h.cfg.Store, "bbolt:") {
		return nil
	}
	own := filepath.Join(h.cfg.Dir, "ca.db")
	if filepath.Clean(h.StorePath()) != filepath.Clean(own) {
		return fmt.Errorf("%w: ca init makes the home's own store, %s; --store bbolt:%s names another file (init without --store, or with a postgres:// URL)", ca.ErrUsage, own, h.StorePath())
	}
	return nil
}
