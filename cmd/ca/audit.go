package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
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

type auditListOptions struct {
	since  string
	action string
	serial string
}

func newAuditListCmd(g *globals) *cobra.Command {
	o := &auditListOptions{}
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
	f.StringVar(&o.since, "since", "", "only records from this time on: RFC 3339 (2026-01-02T15:04:05Z), a date (2026-01-02) or a duration back from now (24h, 7d)"+durationUnits)
	f.StringVar(&o.action, "action", "", "only records of this action: add-issuer, renew-issuer, issue, revoke or crl")
	f.StringVar(&o.serial, "serial", "", "only records that touched this serial (hex, any form)")
	return cmd
}

// parseSince reads --since: RFC 3339, a date, or a duration back from now.
func parseSince(v string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	d, err := csr.ParseDuration(v)
	if err != nil {
		return time.Time{}, usageError{fmt.Errorf("--since %q: use RFC 3339 (2026-01-02T15:04:05Z), a date (2026-01-02) or a duration such as 24h or 7d", v)}
	}
	return now.Add(-d), nil
}

func runAuditList(g *globals, o *auditListOptions) error {
	f, err := o.filter(g.now())
	if err != nil {
		return err
	}
	records, err := g.h().AuditRecords(f)
	if err != nil {
		return err
	}
	return g.render(auditRecords(records))
}

// filter checks the flags and makes the library's filter of them.
func (o *auditListOptions) filter(now time.Time) (ca.AuditFilter, error) {
	var f ca.AuditFilter
	var err error
	if o.since != "" {
		if f.Since, err = parseSince(o.since, now); err != nil {
			return f, err
		}
	}
	if o.action != "" && !slices.Contains(ca.AuditActions, o.action) {
		return f, usageError{fmt.Errorf("--action %q: use add-issuer, renew-issuer, issue, revoke or crl", o.action)}
	}
	f.Action = o.action
	if o.serial != "" {
		s, err := ca.ParseSerial(o.serial)
		if err != nil {
			return f, err
		}
		f.Serial = ca.FormatSerial(s)
	}
	return f, nil
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

type auditVerifyView struct{ *ca.AuditVerification }

func (r auditVerifyView) text(w io.Writer) {
	if r.OK {
		fmt.Fprintf(w, "audit chain OK: %d records, head %s\n", r.Records, r.Head)
	}
}

func runAuditVerify(g *globals, o *auditVerifyOptions) error {
	anchor := strings.ToLower(strings.TrimSpace(o.anchor))
	if b, err := hex.DecodeString(anchor); o.anchor != "" && (err != nil || len(b) != 32) {
		return usageError{fmt.Errorf("--anchor %q is not a head hash (64 hex digits, as \"ca audit head\" prints it)", o.anchor)}
	}
	v, err := g.h().VerifyAudit(anchor)
	if v == nil {
		return err
	}
	if rerr := g.render(auditVerifyView{v}); rerr != nil {
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

type auditHeadView struct{ *ca.AuditHead }

func (r auditHeadView) text(w io.Writer) { fmt.Fprintln(w, r.Head) }

func runAuditHead(g *globals) error {
	head, err := g.h().AuditHead()
	if err != nil {
		return err
	}
	return g.render(auditHeadView{head})
}
