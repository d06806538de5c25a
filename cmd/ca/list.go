package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/pkg/ca"
)

type listOptions struct {
	issuer   string
	status   string
	expiring string
	subject  string
}

var listStatuses = []string{ca.StatusValid, ca.StatusRevoked, ca.StatusExpired, "all"}

func newListCmd(g *globals) *cobra.Command {
	o := &listOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the certificates of the home",
		Long: `list shows every certificate the home issued (intermediates and the root
too), like openssl's index.txt, in serial order (soonest notAfter first with
--expiring-within): a table for people, or with -o json an array of objects
with serial, issuer, subject, sans, notBefore, notAfter, status (valid,
revoked or expired), revokedAt and reason (null when not revoked) and profile.

--status picks one state (default all); --expiring-within D keeps certificates
still valid now whose notAfter is within D; --subject TEXT keeps those whose
subject or a SAN contains TEXT (any case).

A certificate that its issuer's last CRL lists is revoked even when the
store has lost the record of its revocation; a warning names each such one.

list reads the store into a temporary file and closes the store before it
writes anything, so a slow reader (a pager) never holds up other commands.`,
		Example: `  ca list --status valid --expiring-within 30d
  ca list -o json --subject example.com | jq -r '.[].serial'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runList(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.issuer, "issuer", "", "only certificates this issuer signed")
	f.StringVar(&o.status, "status", "all", "valid, revoked, expired or all")
	f.StringVar(&o.expiring, "expiring-within", "", "only certificates valid now that expire within this duration (like 30d)"+durationUnits)
	f.StringVar(&o.subject, "subject", "", "only certificates whose subject or a SAN contains this text (any case)")
	return cmd
}

func runList(ctx context.Context, g *globals, o *listOptions) error {
	if !slices.Contains(listStatuses, o.status) {
		return usageError{fmt.Errorf("--status %q: use valid, revoked, expired or all", o.status)}
	}
	now := g.now()
	q := ca.Query{Issuer: o.issuer, Subject: o.subject}
	if o.expiring != "" {
		d, err := parseDuration("expiring-within", o.expiring)
		if err != nil {
			return err
		}
		q.NotAfterBefore = now.Add(d)
	}
	keep := func(r *ca.CertRecord) bool {
		s := r.Status(now)
		// --expiring-within is the renewal list: valid now (not revoked, not expired).
		return (o.status == "all" || s == o.status) && (o.expiring == "" || s == ca.StatusValid)
	}
	spool, err := os.CreateTemp("", "ca-list-*")
	if err != nil {
		return fmt.Errorf("list: temporary file: %w", err)
	}
	defer spool.Close()
	os.Remove(spool.Name()) // unlinked: gone when closed, whatever happens
	var rows [][]string
	if err := g.scanList(ctx, q, keep, spool, &rows, now); err != nil {
		return err
	}
	if !g.json() {
		return table(g.stdout, []string{"serial", "subject", "issuer", "profile", "notAfter", "status"}, rows)
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("list: %w", err)
	}
	_, err = io.Copy(g.stdout, spool)
	return err
}

// scanList reads the selected records with the store open (read-only) and
// closes it before returning: JSON elements go to spool as they come, one
// at a time, so memory stays flat however many certificates there are; the
// text table keeps only its short rows.
func (g *globals) scanList(ctx context.Context, q ca.Query, keep func(*ca.CertRecord) bool, spool io.Writer, rows *[][]string, now time.Time) error {
	st, err := g.h().OpenStoreRead()
	if err != nil {
		return err
	}
	defer st.Close()
	if q.Issuer != "" {
		if _, err := st.Issuer(ctx, q.Issuer); err != nil {
			return err
		}
	}
	w := bufio.NewWriter(spool)
	sep := "[\n"
	lost, err := ca.Certificates(ctx, st, q, func(r *ca.CertRecord) error {
		if !keep(r) {
			return nil
		}
		row := newListRow(r, now)
		if !g.json() {
			*rows = append(*rows, []string{row.Serial, row.Subject, row.Issuer, row.Profile, row.NotAfter.Format(time.RFC3339), row.Status})
			return nil
		}
		b, err := json.MarshalIndent(row, "  ", "  ")
		if err != nil {
			return err
		}
		w.WriteString(sep + "  ")
		sep = ",\n"
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	for _, m := range lost {
		fmt.Fprintf(g.stderr, "ca: warning: %s; run \"ca store check\"\n", lostRevocation(&m))
	}
	if sep == "[\n" {
		w.WriteString("[]\n")
	} else {
		w.WriteString("\n]\n")
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("list: temporary file: %w", err)
	}
	return st.Close()
}

// listRow is one certificate of ca list, for the table and JSON.
type listRow struct {
	Serial    string     `json:"serial"`
	Issuer    string     `json:"issuer"`
	Subject   string     `json:"subject"`
	SANs      []string   `json:"sans"`
	NotBefore time.Time  `json:"notBefore"`
	NotAfter  time.Time  `json:"notAfter"`
	Status    string     `json:"status"`
	RevokedAt *time.Time `json:"revokedAt"`
	Reason    *string    `json:"reason"`
	Profile   string     `json:"profile"`
	RenewalOf *string    `json:"renewalOf"` // the serial this one renews, or null
	RenewedBy *string    `json:"renewedBy"` // the serial that renewed this one, or null
}

func newListRow(r *ca.CertRecord, now time.Time) *listRow {
	row := &listRow{
		Serial: ca.FormatSerial(r.Serial), Issuer: r.Issuer, Subject: r.Subject, SANs: r.SANs,
		NotBefore: r.NotBefore.UTC(), NotAfter: r.NotAfter.UTC(), Status: r.Status(now), Profile: r.Profile,
	}
	if row.SANs == nil {
		row.SANs = []string{}
	}
	row.RenewalOf, row.RenewedBy = serialOrNil(r.RenewalOf), serialOrNil(r.RenewedBy)
	if rv := r.Revocation; rv != nil {
		t, reason := rv.RevokedAt.UTC(), rv.Reason.String()
		row.RevokedAt, row.Reason = &t, &reason
	}
	return row
}
