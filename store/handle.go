package store

import (
	"io"
	"strings"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// Handle is a store as the home uses it: a ca.Store that checks itself,
// keeps an audit chain, backs up to a bbolt file and copies. Bolt and
// Postgres are Handles.
type Handle interface {
	ca.Store
	Copier
	// Path says where the store is: a file, or a URL without its password.
	Path() string
	AuditRecords(fn func(*ca.AuditRecord) error) error
	VerifyAudit(anchor string) (AuditSummary, error)
	Check() []error
	Counts() (Counts, error)
	// Version grows with every change (the last audit record's number).
	Version() (uint64, error)
	// Backup writes a bbolt file of the store to w.
	Backup(w io.Writer) (int64, error)
	// BackupFile writes a bbolt file of the store to path (never replacing it).
	BackupFile(path string) (int64, error)
}

var (
	_ Handle = (*Bolt)(nil)
	_ Handle = (*Postgres)(nil)
)

// OpenURL opens the store a URL names: postgres:// or postgresql:// a
// PostgreSQL store, bbolt:PATH (or a plain path) a bbolt file.
func OpenURL(u string, opts Options) (Handle, error) {
	if IsPostgresURL(u) {
		return OpenPostgres(u, opts)
	}
	return Open(strings.TrimPrefix(u, "bbolt:"), opts)
}
