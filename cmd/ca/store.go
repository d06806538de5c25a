package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/internal/errtext"
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

func runStoreBackup(g *globals, file string) error {
	if file == "-" {
		return g.h().BackupTo(g.stdout)
	}
	// Refused before the home is looked at (its warnings).
	if err := home.CheckBackupFile(file); err != nil {
		return err
	}
	sum, err := g.h().Backup(file)
	if err != nil {
		return err
	}
	return g.renderText(sum)
}

func newStoreCheckCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Check the store's consistency",
		Long: `check runs bbolt's own consistency check on the store and this toolkit's:
every record decodes and every certificate's DER parses and matches its
record, the indexes agree with the records, every revocation refers to a
certificate of its issuer, CRL numbers only grow, every issuer's certificate is
recorded, every recorded policy and issuer's URLs parse, the audit chain holds, every change has its audit record and every
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

func runStoreCheck(ctx context.Context, g *globals) error {
	g.warnedWritable = true // its report lists them
	r, err := g.h().CheckStore(ctx, errtext.Message)
	if err != nil {
		return err
	}
	if err := g.renderText(r); err != nil {
		return err
	}
	if !r.OK {
		return &exitError{code: exitFailed, msg: fmt.Sprintf("the store check found %d problems; unless the list names a fix, restore the store from a backup (see docs/operations.md)", len(r.Problems))}
	}
	return nil
}
