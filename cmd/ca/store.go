package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/place"
	"github.com/ca-toolkit/ca/store"
)

func newStoreCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Back up and check the home's store",
		Args:  noArgs,
	}
	cmd.AddCommand(newStoreBackupCmd(g), newStoreCheckCmd(g), newStoreMigrateCmd(g), newStoreUpgradeCmd(g))
	return cmd
}

func newStoreBackupCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the store while other commands go on",
		Long: `backup copies the store (ca.db) into FILE from one read transaction: other
readers go on, writers wait for it as for any other command. FILE (mode 0600)
appears whole or not at all and never replaces anything: an existing file is
refused with exit 5, a directory, device or symlink with exit 2; "-" writes the copy to stdout (e.g. into gzip or ssh).
A copy written to a file is checked before backup reports success. To
restore: stop every ca process, copy FILE to HOME/ca.db, run "ca store check"
(see docs/operations.md).`,
		Example: `  ca store backup /backups/ca-$(date +%F).db
  ca store backup - | gzip > ca.db.gz`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runStoreBackup(g, args[0]) },
	}
}

type backupResult struct {
	File         string `json:"file"`
	Bytes        int64  `json:"bytes"`
	Certificates int    `json:"certificates"`
	AuditRecords int    `json:"auditRecords"`
	AuditHead    string `json:"auditHead"`
}

func (r backupResult) text(w io.Writer) {
	fmt.Fprintf(w, "backup written to %s: %d bytes, %d certificates, %d audit records, audit head %s\n",
		r.File, r.Bytes, r.Certificates, r.AuditRecords, r.AuditHead)
}

func runStoreBackup(g *globals, file string) error {
	if file == "-" {
		return g.h().BackupTo(g.stdout)
	}
	// Like every --out of the CLI: a directory, device or symlink is a bad
	// argument (exit 2), an existing file a conflict (exit 5).
	if err := place.CheckWritable(file, true); errors.Is(err, place.ErrNotRegular) {
		return usageError{err}
	} else if err != nil {
		return err
	}
	sum, err := g.h().Backup(file)
	if err != nil {
		return err
	}
	return g.render(backupResult{File: file, Bytes: sum.Bytes, Certificates: sum.Certificates, AuditRecords: sum.AuditRecords, AuditHead: sum.AuditHead})
}

func newStoreCheckCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Check the store's consistency",
		Long: `check runs bbolt's own consistency check on the store and this toolkit's:
every record decodes and every certificate's DER parses and matches its
record, the indexes agree with the records, every revocation refers to a
certificate of its issuer, CRL numbers only grow, every issuer's certificate is
recorded, every recorded policy parses, the audit chain holds, every change has its audit record and every
audited certificate, revocation, issuer and CRL is still in the store, and
each issuer's last CRL verifies under its key and every certificate it lists
has its revocation record. It exits 1 with the list of
what is wrong. Warnings (exit 0) name what an interrupted command left in the
home (staging directories of an intermediate, issuers without their files) and
issuer directories the store does not know (after restoring an older backup).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runStoreCheck(cmd.Context(), g) },
	}
}

type checkResult struct {
	OK   bool   `json:"ok"`
	Path string `json:"path"`
	store.Counts
	Problems []string `json:"problems"`
	Warnings []string `json:"warnings"`
}

func (r checkResult) text(w io.Writer) {
	if r.OK {
		fmt.Fprintf(w, "store OK: %d certificates, %d revocations, %d CRLs, %d audit records\n",
			r.Certificates, r.Revocations, r.CRLs, r.AuditRecords)
	} else {
		fmt.Fprintf(w, "store %s has %d problems:\n", r.Path, len(r.Problems))
		for _, p := range r.Problems {
			fmt.Fprintf(w, "  - %s\n", p)
		}
	}
	for _, p := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", p)
	}
}

func runStoreCheck(ctx context.Context, g *globals) error {
	g.warnedWritable = true // its report lists them
	st, err := g.h().OpenStoreRead()
	if err != nil {
		return err
	}
	r := checkResult{Path: st.Path(), Problems: []string{}, Warnings: []string{}}
	for _, p := range st.Check() {
		r.Problems = append(r.Problems, p.Error())
	}
	r.Problems = append(r.Problems, lostRevocationProblems(ctx, st)...)
	var names []string
	if counts, err := st.Counts(); err == nil {
		r.Counts = counts
		issuers, err := st.Issuers(ctx)
		if err != nil {
			r.Problems = append(r.Problems, err.Error())
		}
		for _, iss := range issuers {
			names = append(names, iss.Name)
			if err := g.h().CheckIssuerCert(&iss); err != nil {
				r.Problems = append(r.Problems, message(err))
			}
		}
	}
	st.Close()
	r.Warnings = g.h().Warnings(names)
	r.OK = len(r.Problems) == 0
	if err := g.render(r); err != nil {
		return err
	}
	if !r.OK {
		return &exitError{code: exitFailed, msg: fmt.Sprintf("the store check found %d problems; unless the list names a fix, restore the store from a backup (see docs/operations.md)", len(r.Problems))}
	}
	return nil
}

// lostRevocationProblems checks the store's revocations against the last
// CRL each issuer signed: a CRL that does not verify, and every entry of
// one whose revocation record is gone, is a problem.
func lostRevocationProblems(ctx context.Context, st ca.Store) []string {
	var problems []string
	missing, err := ca.MissingRevocations(ctx, st)
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			problems = append(problems, message(e))
		}
	} else if err != nil {
		problems = append(problems, message(err))
	}
	for _, m := range missing {
		problems = append(problems, lostRevocation(&m)+"; "+restoreHint)
	}
	return problems
}

// lostRevocation says that a certificate is revoked on a CRL but not in the store.
func lostRevocation(m *ca.CRLRevocation) string {
	return fmt.Sprintf("serial %s is revoked on %s (at %s, reason %s), but the store has no record of the revocation: it was lost to damage or deleted behind the toolkit's back",
		ca.FormatSerial(m.Serial), m.Source(), m.RevokedAt.UTC().Format(time.RFC3339), m.Reason)
}

// restoreHint is what a problem of a damaged store tells the user to do.
const restoreHint = "restore the store from a backup (see docs/operations.md)"
