package home

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/store"
)

// MigrateSummary is what Migrate copied, in the JSON shape of "ca store
// migrate".
type MigrateSummary struct {
	From string `json:"from"` // where, without passwords
	To   string `json:"to"`
	store.Counts
	AuditHead string `json:"auditHead"`
}

// WriteText writes the summary for people, on one line.
func (s *MigrateSummary) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "copied %s to %s: %d issuers, %d certificates, %d revocations, %d CRLs, %d audit records; audit head %s\n",
		s.From, s.To, s.Issuers, s.Certificates, s.Revocations, s.CRLs, s.AuditRecords, s.AuditHead)
	return err
}

// UpgradeSummary is where UpgradeStore left the store, in the JSON shape
// of "ca store upgrade".
type UpgradeSummary struct {
	Store         string `json:"store"`
	SchemaVersion int    `json:"schemaVersion"`
}

// WriteText writes the summary for people, on one line.
func (s *UpgradeSummary) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "store %s is at schema version %d\n", s.Store, s.SchemaVersion)
	return err
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
// store has one layout, ca.ErrUsage) and says where the store is and its
// schema version now.
func (h *Home) UpgradeStore() (*UpgradeSummary, error) {
	if !h.Shared() {
		return nil, fmt.Errorf("%w: the home's store is a bbolt file (%s), which has no migrations; upgrade applies to a postgres:// --store", ca.ErrUsage, h.StorePath())
	}
	if err := store.UpgradePostgres(h.cfg.Store, store.Options{Timeout: h.timeout(), Actor: h.cfg.Actor}); err != nil {
		return nil, err
	}
	return &UpgradeSummary{Store: h.StoreName(), SchemaVersion: store.PostgresSchemaVersion}, nil
}
