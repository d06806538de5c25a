package home

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/store"
)

// StoreCheck is the report of "ca store check", in SPEC's JSON shape: the
// store's counts, what is wrong with it (Problems; OK when none) and what
// its home holds that the store does not explain (Warnings).
type StoreCheck struct {
	OK   bool   `json:"ok"`
	Path string `json:"path"`
	store.Counts
	Problems []string `json:"problems"`
	Warnings []string `json:"warnings"`
}

// CheckStore checks the home's store, opened for reading: the store's own
// check (bbolt's and the records', the audit chain), the last CRL of each
// issuer against the revocations recorded (ca.MissingRevocations), and each
// issuer's cert.pem against its record (CheckIssuerCert); then the
// Warnings of the home. The store's own problems are in its words; words
// renders the errors of the other checks for people (nil: err.Error()).
// It fails only when the store does not open.
func (h *Home) CheckStore(ctx context.Context, words func(error) string) (*StoreCheck, error) {
	if words == nil {
		words = func(err error) string { return err.Error() }
	}
	st, err := h.OpenStoreRead()
	if err != nil {
		return nil, err
	}
	r := &StoreCheck{Path: st.Path(), Problems: []string{}}
	for _, p := range st.Check() {
		r.Problems = append(r.Problems, p.Error())
	}
	r.Problems = append(r.Problems, lostRevocationProblems(ctx, st, words)...)
	var names []string
	if counts, err := st.Counts(); err == nil {
		r.Counts = counts
		issuers, err := st.Issuers(ctx)
		if err != nil {
			r.Problems = append(r.Problems, err.Error())
		}
		for _, iss := range issuers {
			names = append(names, iss.Name)
			if err := h.CheckIssuerCert(&iss); err != nil {
				r.Problems = append(r.Problems, words(err))
			}
		}
	}
	st.Close()
	r.Warnings = h.Warnings(names)
	r.OK = len(r.Problems) == 0
	return r, nil
}

// lostRevocationProblems checks the store's revocations against the last
// CRL each issuer signed: a CRL that does not verify, and every entry of
// one whose revocation record is gone, is a problem.
func lostRevocationProblems(ctx context.Context, st ca.Store, words func(error) string) []string {
	var problems []string
	missing, err := ca.MissingRevocations(ctx, st)
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			problems = append(problems, words(e))
		}
	} else if err != nil {
		problems = append(problems, words(err))
	}
	for _, m := range missing {
		problems = append(problems, m.Lost()+"; "+ca.RestoreHint)
	}
	return problems
}

// WriteText writes the report for people: a summary or the list of
// problems, then the warnings.
func (r *StoreCheck) WriteText(w io.Writer) error {
	var b strings.Builder
	if r.OK {
		fmt.Fprintf(&b, "store OK: %d certificates, %d revocations, %d CRLs, %d audit records\n",
			r.Certificates, r.Revocations, r.CRLs, r.AuditRecords)
	} else {
		fmt.Fprintf(&b, "store %s has %d problems:\n", r.Path, len(r.Problems))
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "  - %s\n", p)
		}
	}
	for _, p := range r.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", p)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
