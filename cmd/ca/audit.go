package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/pkg/ca"
)

func newAuditCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Read and verify the hash-chained audit log of the store",
		Long: `Every change to the store (an issuer, certificates, revocations, a CRL) appends
an audit record in the same transaction: time, command, arguments (never a
passphrase), user, action, serials touched, result, and the hash of the
record before it. "ca audit verify" finds an edited or removed record; keep
the head ("ca audit head") elsewhere, e.g. in a CI log, and verify against it
with --anchor to find a chain rewritten from the start.`,
		Args: noArgs,
	}
	cmd.AddCommand(newAuditListCmd(g), newAuditVerifyCmd(g), newAuditHeadCmd(g))
	return cmd
}

func newAuditListCmd(g *globals) *cobra.Command {
	o := &ca.AuditQuery{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List audit records (a table, or JSON with -o json)",
		Example: `  ca audit list --since 24h
  ca audit list --action revoke -o json
  ca audit list --serial 3f:2a:...`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runAuditList(g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.Since, "since", "", "only records from this time on: RFC 3339 (2026-01-02T15:04:05Z), a date (2026-01-02) or a duration back from now (24h, 7d)"+durationUnits)
	f.StringVar(&o.Action, "action", "", "only records of this action: add-issuer, renew-issuer, issue, revoke or crl")
	f.StringVar(&o.Serial, "serial", "", "only records that touched this serial (hex, any form)")
	return cmd
}

func runAuditList(g *globals, q *ca.AuditQuery) error {
	f, err := q.Filter(g.now())
	if err != nil {
		return err
	}
	records, err := g.h().AuditRecords(f)
	if err != nil {
		return err
	}
	return g.render(auditRecords(records))
}

type auditRecords []ca.AuditRecord

func (rs auditRecords) text(w io.Writer) {
	rows := make([][]string, 0, len(rs))
	for _, r := range rs {
		serials := strings.Join(r.Serials, " ")
		if len(r.Serials) > 2 {
			serials = strings.Join(r.Serials[:2], " ") + fmt.Sprintf(" +%d more", len(r.Serials)-2)
		}
		rows = append(rows, []string{strconv.FormatUint(r.Seq, 10), r.Time.UTC().Format(time.RFC3339), r.User,
			r.Command, r.Action, r.Issuer, serials, r.Result})
	}
	table(w, []string{"Seq", "Time", "User", "Command", "Action", "Issuer", "Serials", "Result"}, rows)
}

type auditVerifyOptions struct{ anchor string }

func newAuditVerifyCmd(g *globals) *cobra.Command {
	o := &auditVerifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify [--anchor HASH]",
		Short: "Verify the audit chain (exit 6 when it is broken or the anchor is missing)",
		Long: `verify walks the audit chain: every record is stored as written, hashes to its
hash, and names the hash of the record before it, with no gap. With --anchor
(a head printed earlier by "ca audit head" and kept elsewhere) the record with
that hash must still be in the chain. Exit 6 when any of this fails.`,
		Example: `  ca audit verify --anchor "$(cat audit-head.txt)"`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// "$(cat lost-file)" must not turn into a verify without anchor.
			if cmd.Flags().Changed("anchor") && strings.TrimSpace(o.anchor) == "" {
				return usageError{errors.New(`--anchor is empty; give the head hash ("ca audit head" prints it), or leave the flag out`)}
			}
			return runAuditVerify(g, o)
		},
	}
	cmd.Flags().StringVar(&o.anchor, "anchor", "", "a head hash kept elsewhere that must be in the chain")
	return cmd
}

func runAuditVerify(g *globals, o *auditVerifyOptions) error {
	anchor, err := ca.ParseAuditAnchor(o.anchor)
	if err != nil {
		return err
	}
	v, err := g.h().VerifyAudit(anchor)
	if v == nil {
		return err
	}
	if rerr := g.renderText(v); rerr != nil {
		return rerr
	}
	return err
}

func newAuditHeadCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "head",
		Short: "Print the hash of the last audit record, to keep elsewhere (a CI log)",
		Long: `head verifies the audit chain and prints the hash of its last record. Keep it
outside the home (a CI log, a ticket) and later run "ca audit verify --anchor
HASH": a chain rewritten since then no longer holds it. Exit 6 when the chain
is already broken.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runAuditHead(g) },
	}
}

func runAuditHead(g *globals) error {
	head, err := g.h().AuditHead()
	if err != nil {
		return err
	}
	return g.renderText(head)
}
