package home

import (
	"fmt"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// AuditRecords returns the audit records f selects, in order ("ca audit
// list"); an empty list, not nil, when there are none.
func (h *Home) AuditRecords(f ca.AuditFilter) ([]ca.AuditRecord, error) {
	st, err := h.OpenStoreRead()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	records := []ca.AuditRecord{}
	err = st.AuditRecords(func(r *ca.AuditRecord) error {
		if f.Match(r) {
			records = append(records, *r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return records, nil
}

// VerifyAudit verifies the audit chain of the store (store.VerifyAudit),
// and that a record with the hash anchor is in it when anchor is not "".
// The verification is nil only when the store could not be opened; the
// error wraps ca.ErrVerify when the chain is broken or the anchor missing.
func (h *Home) VerifyAudit(anchor string) (*ca.AuditVerification, error) {
	st, err := h.OpenStoreRead()
	if err != nil {
		return nil, err
	}
	sum, verr := st.VerifyAudit(anchor)
	st.Close()
	v := &ca.AuditVerification{OK: verr == nil, Records: sum.Records, Head: sum.Head, Anchor: anchor, Problems: sum.Problems}
	if v.Problems == nil {
		v.Problems = []string{}
	}
	return v, verr
}

// AuditHead verifies the audit chain and returns its head; ca.ErrNotFound
// when the log is empty.
func (h *Home) AuditHead() (*ca.AuditHead, error) {
	st, err := h.OpenStoreRead()
	if err != nil {
		return nil, err
	}
	sum, err := st.VerifyAudit("")
	st.Close()
	if err != nil {
		return nil, err
	}
	if sum.Records == 0 {
		return nil, fmt.Errorf("%w: the audit log is empty", ca.ErrNotFound)
	}
	return &ca.AuditHead{Records: sum.Records, Head: sum.Head}, nil
}
