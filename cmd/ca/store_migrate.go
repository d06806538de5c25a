package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newStoreMigrateCmd(g *globals) *cobra.Command {
	var to string
	cmd := &cobra.Command{
		Use:   "migrate --to URL",
		Short: "Copy the store into an empty one (bbolt to PostgreSQL and back)",
		Long: `migrate copies every record of the store (issuers, certificates, revocations,
CRLs, the audit chain byte for byte) into the empty store URL names:
postgres://USER@HOST/DB?search_path=SCHEMA (its schema is created), or
bbolt:PATH (a new bbolt file). It then checks the copy: the same counts, the
same audit head, and the copy passes "ca store check". A target that holds
records is refused with exit 5 and left as it was. The source is not changed;
stop the ca processes that write to it first, then point them at the copy
(--store URL or $CA_STORE). See docs/postgres.md.`,
		Example: `  ca store migrate --to 'postgres://ca@db.example.com/pki?search_path=prod'
  ca store migrate --store "$PG_URL" --to bbolt:pki/ca.db`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if to == "" {
				return usageError{fmt.Errorf("name the target store with --to URL")}
			}
			sum, err := g.h().Migrate(cmd.Context(), to)
			if err != nil {
				return err
			}
			return g.renderText(sum)
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "the empty target store: postgres://... or bbolt:PATH")
	return cmd
}

func newStoreUpgradeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "upgrade",
		Short: "Apply the schema migrations a PostgreSQL store lacks",
		Long: `upgrade applies the migrations of this ca's PostgreSQL schema that the store
(--store URL) lacks, in one transaction. Other commands refuse a store whose
schema is older and never migrate it themselves. Back the store up first
("ca store backup FILE").`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sum, err := g.h().UpgradeStore()
			if err != nil {
				return err
			}
			return g.renderText(sum)
		},
	}
}
