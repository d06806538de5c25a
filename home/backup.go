package home

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ca-toolkit/ca/pkg/place"
	"github.com/ca-toolkit/ca/store"
)

// BackupSummary describes a backup written to a file, in the JSON shape
// of "ca store backup".
type BackupSummary struct {
	File         string `json:"file"`
	Bytes        int64  `json:"bytes"`
	Certificates int    `json:"certificates"`
	AuditRecords int    `json:"auditRecords"`
	AuditHead    string `json:"auditHead"`
}

// WriteText writes the summary for people, on one line.
func (s *BackupSummary) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "backup written to %s: %d bytes, %d certificates, %d audit records, audit head %s\n",
		s.File, s.Bytes, s.Certificates, s.AuditRecords, s.AuditHead)
	return err
}

// BackupTo writes a consistent copy of the home's store to w, from one read
// transaction: readers go on, writers wait.
func (h *Home) BackupTo(w io.Writer) error {
	st, err := h.OpenStoreRead()
	if err != nil {
		return err
	}
	defer st.Close()
	_, err = st.Backup(w)
	return err
}

// CheckBackupFile refuses path as the file of a backup, as Backup does,
// without a home: like every file a command writes, path must not exist
// (an existing file matches place.ErrExists) and a directory, device or
// symlink there is refused as bad input (ca.ErrUsage).
func CheckBackupFile(path string) error {
	if err := place.CheckWritable(path, true); errors.Is(err, place.ErrNotRegular) {
		return usageErr{err}
	} else if err != nil {
		return err
	}
	return nil
}

// Backup writes a consistent copy of the home's store to the new file path
// (mode 0600, never replacing anything; CheckBackupFile first), then opens
// the copy and checks it (store check, audit chain): a copy that fails is
// removed, for it is no backup.
func (h *Home) Backup(path string) (*BackupSummary, error) {
	if err := CheckBackupFile(path); err != nil {
		return nil, err
	}
	st, err := h.OpenStoreRead()
	if err != nil {
		return nil, err
	}
	n, err := st.BackupFile(path)
	st.Close()
	if err != nil {
		return nil, err
	}
	bk, err := store.Open(path, store.Options{ReadOnly: true, Timeout: h.timeout()})
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("the backup does not open, removed it: %w", err)
	}
	defer bk.Close()
	if problems := bk.Check(); len(problems) > 0 {
		os.Remove(path)
		return nil, fmt.Errorf("the backup fails the store check (%v); removed it: run \"ca store check\" on the home", problems[0])
	}
	counts, err := bk.Counts()
	if err != nil {
		return nil, err
	}
	sum, err := bk.VerifyAudit("")
	if err != nil {
		return nil, err
	}
	return &BackupSummary{File: path, Bytes: n, Certificates: counts.Certificates, AuditRecords: sum.Records, AuditHead: sum.Head}, nil
}
