package home

import (
	"fmt"
	"io"
	"os"

	"github.com/ca-toolkit/ca/store"
)

// BackupSummary describes a backup written to a file.
type BackupSummary struct {
	Bytes        int64
	Certificates int
	AuditRecords int
	AuditHead    string
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

// Backup writes a consistent copy of the home's store to the new file path
// (mode 0600, never replacing anything), then opens the copy and checks it
// (store check, audit chain): a copy that fails is removed, for it is no
// backup.
func (h *Home) Backup(path string) (*BackupSummary, error) {
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
	return &BackupSummary{Bytes: n, Certificates: counts.Certificates, AuditRecords: sum.Records, AuditHead: sum.Head}, nil
}
