package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/store"
)

func newStoreCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Back up and check the home's store",
		Args:  noArgs,
	}
	cmd.AddCommand(newStoreBackupCmd(g), newStoreCheckCmd(g))
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
		st, err := g.openStoreRead()
		if err != nil {
			return err
		}
		defer st.Close()
		_, err = st.Backup(g.stdout)
		return err
	}
	// Like every --out of the CLI: a directory, device or symlink is a bad
	// argument (exit 2), an existing file a conflict (exit 5).
	if err := pem.CheckWritable(file, true); errors.Is(err, pem.ErrNotRegular) {
		return usageError{err}
	} else if err != nil {
		return err
	}
	st, err := g.openStoreRead()
	if err != nil {
		return err
	}
	n, err := st.BackupFile(file)
	st.Close()
	if err != nil {
		return err
	}
	// The copy must open and pass the check, or it is no backup.
	bk, err := store.Open(file, store.Options{ReadOnly: true, Timeout: g.storeTimeout()})
	if err != nil {
		os.Remove(file)
		return fmt.Errorf("the backup does not open, removed it: %w", err)
	}
	defer bk.Close()
	if problems := bk.Check(); len(problems) > 0 {
		os.Remove(file)
		return fmt.Errorf("the backup fails the store check (%v); removed it: run \"ca store check\" on the home", problems[0])
	}
	counts, err := bk.Counts()
	if err != nil {
		return err
	}
	sum, err := bk.VerifyAudit("")
	if err != nil {
		return err
	}
	return g.render(backupResult{File: file, Bytes: n, Certificates: counts.Certificates, AuditRecords: sum.Records, AuditHead: sum.Head})
}

func newStoreCheckCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Check the store's consistency",
		Long: `check runs bbolt's own consistency check on the store and this toolkit's:
every record decodes and every certificate's DER parses and matches its
record, the indexes agree with the records, every revocation refers to a
certificate of its issuer, CRL numbers only grow, every issuer's certificate is
recorded, the audit chain holds, every change has its audit record and every
audited certificate, revocation, issuer and CRL is still in the store. It exits 1 with the list of
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
	st, err := g.openStoreRead()
	if err != nil {
		return err
	}
	r := checkResult{Path: st.Path(), Problems: []string{}, Warnings: []string{}}
	for _, p := range st.Check() {
		r.Problems = append(r.Problems, p.Error())
	}
	var names []string
	if counts, err := st.Counts(); err == nil {
		r.Counts = counts
		issuers, err := st.Issuers(ctx)
		if err != nil {
			r.Problems = append(r.Problems, err.Error())
		}
		for _, iss := range issuers {
			names = append(names, iss.Name)
		}
	}
	st.Close()
	r.Warnings = homeWarnings(g, names)
	r.OK = len(r.Problems) == 0
	if err := g.render(r); err != nil {
		return err
	}
	if !r.OK {
		return &exitError{code: exitFailed, msg: fmt.Sprintf("the store check found %d problems; unless the list names a fix, restore the store from a backup (see docs/operations.md)", len(r.Problems))}
	}
	return nil
}

// homeWarnings names what an interrupted command left in the home (staging
// directories of "ca intermediate create", recorded issuers whose directory
// is missing) and issuer directories the store does not know (after a
// restore from an older backup).
func homeWarnings(g *globals, issuers []string) []string {
	warnings := []string{}
	dir := filepath.Join(g.home, "issuers")
	entries, _ := os.ReadDir(dir)
	recorded := map[string]bool{}
	for _, name := range issuers {
		recorded[name] = true
	}
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && !recorded[e.Name()] {
			warnings = append(warnings, fmt.Sprintf("%s is not an issuer of this store (a store restored from an older backup?); its certificate is not recorded",
				filepath.Join(dir, e.Name())))
		}
		if strings.HasPrefix(e.Name(), ".") && strings.Contains(e.Name(), ".new-") {
			warnings = append(warnings, fmt.Sprintf("%s is the staging directory of an interrupted \"ca intermediate create\"; if its issuer is recorded but has no directory, move it into place, else remove it",
				filepath.Join(dir, e.Name())))
		}
	}
	// An interrupted "ca init" of this home, or of the empty directory it
	// was made in, leaves its hidden staging directory (with a root key).
	for _, d := range []string{filepath.Dir(filepath.Clean(g.home)), g.home} {
		stale, _ := filepath.Glob(filepath.Join(d, initStagePrefix(g.home)+"*"))
		for _, p := range stale {
			warnings = append(warnings, fmt.Sprintf("%s is the staging directory of an interrupted \"ca init\" (it holds a root key this home does not use); remove it", p))
		}
	}
	for _, name := range issuers {
		if _, err := os.Stat(filepath.Join(g.issuerDir(name), fileCert)); err != nil {
			warnings = append(warnings, fmt.Sprintf("issuer %s is recorded but %s is missing (an interrupted command; see the staging directories above)", name, filepath.Join(g.issuerDir(name), fileCert)))
		}
	}
	return warnings
}
