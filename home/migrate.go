package home

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/store"
)

// MigrateSummary is what Migrate copied.
type MigrateSummary struct {
	From, To  string // where, without passwords
	Counts    store.Counts
	AuditHead string
}

// Migrate copies every record of the home's store, the audit chain byte for
// byte, into the empty store the URL to names (postgres://..., or
// bbolt:PATH for a new bbolt file), then checks the copy: the same counts,
// the same audit head, and the target passes its check. A target that holds
// records is refused (store.ErrNotEmpty, matching ca.ErrExists) and left as
// it was; a bbolt file made for a copy that fails is removed. The home's
// store is not changed.
func (h *Home) Migrate(ctx context.Context, to string) (*MigrateSummary, error) {
	src, err := h.OpenStoreRead()
	if err != nil {
		return nil, err
	}
	defer src.Close()
	path, isFile := strings.CutPrefix(to, "bbolt:")
	if !isFile && !store.IsPostgresURL(to) {
		return nil, fmt.Errorf("%w: --to %q: give postgres://... or bbolt:PATH", ca.ErrUsage, store.Redact(to))
	}
	made := false
	if isFile {
		_, err := os.Lstat(path)
		made = errors.Is(err, fs.ErrNotExist)
	}
	dst, err := store.OpenURL(to, store.Options{Create: true, Timeout: h.timeout(), Actor: h.cfg.Actor})
	if err != nil {
		return nil, err
	}
	counts, err := store.Copy(ctx, src, dst)
	if err == nil {
		err = store.VerifyCopy(src, dst)
	}
	where := dst.Path()
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if made {
			os.Remove(path)
		}
		return nil, err
	}
	sum, err := src.VerifyAudit("")
	if err != nil {
		return nil, err
	}
	return &MigrateSummary{From: src.Path(), To: where, Counts: counts, AuditHead: sum.Head}, nil
}

// UpgradeStore applies the migrations a PostgreSQL store lacks (a bbolt
// store has one layout) and returns where the store is.
func (h *Home) UpgradeStore() (string, error) {
	if !h.Shared() {
		return "", fmt.Errorf("%w: the home's store is a bbolt file (%s), which has no migrations; upgrade applies to a postgres:// --store", ca.ErrUsage, h.StorePath())
	}
	if err := store.UpgradePostgres(h.cfg.Store, store.Options{Timeout: h.timeout(), Actor: h.cfg.Actor}); err != nil {
		return "", err
	}
	return h.StoreName(), nil
}
