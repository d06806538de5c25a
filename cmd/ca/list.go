package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/internal/spool"
	"github.com/ca-toolkit/ca/pkg/ca"
)

type listOptions struct {
	issuer   string
	status   string
	expiring string
	subject  string
	profile  string
	sort     string
}

var listStatuses = []string{ca.StatusValid, ca.StatusRevoked, ca.StatusExpired, "all"}

func newListCmd(g *globals) *cobra.Command {
	o := &listOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the certificates of the home",
		Long: `list shows every certificate the home issued (intermediates and the root
too), like openssl's index.txt, in the order they were issued (by notBefore,
newest last; --sort serial or notafter for another order): a table for people, or with -o json an array of objects
with serial, issuer, subject, sans, notBefore, notAfter, status (valid,
revoked or expired), revokedAt and reason (null when not revoked) and profile.

--status picks one state (default all); --expiring-within D keeps certificates
still valid now whose notAfter is within D; --subject TEXT keeps those whose
subject or a SAN contains TEXT (any case); --profile P keeps those issued
under profile P (server, client, device; root or intermediate for CA
certificates).

Every --sort order streams from an index of the store: memory stays flat
at millions of certificates (--status valid or --expiring-within in an
order other than notafter sorts the keys of the certificates it selects
in memory).

A certificate that its issuer's last CRL lists is revoked even when the
store has lost the record of its revocation; a warning names each such one.

list streams: each row is written as the store gives it, through a
temporary file, so the first row prints at once and memory stays flat;
the store is closed as soon as it is read, so a slow reader (a pager)
never holds up other commands. The table's column widths are those of
its first 1,000 rows: a later cell wider than its column is cut with "…"
(-o json has every value whole). An error while reading the store leaves
the table or the JSON array incomplete, and list exits non-zero.`,
		Example: `  ca list
  ca list --status valid --expiring-within 30d --sort notafter
  ca list --profile client
  ca list -o json --subject example.com | jq -r '.[].serial'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runList(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.issuer, "issuer", "", "only certificates this issuer signed")
	f.StringVar(&o.status, "status", "all", "valid, revoked, expired or all")
	f.StringVar(&o.expiring, "expiring-within", "", "only certificates valid now that expire within this duration (like 30d)"+durationUnits)
	f.StringVar(&o.subject, "subject", "", "only certificates whose subject or a SAN contains this text (any case)")
	f.StringVar(&o.profile, "profile", "", "only certificates issued under this profile (server, client, device; root or intermediate for CA certificates)")
	f.StringVar(&o.sort, "sort", ca.SortNotBefore, "order: notbefore (oldest first, newest last), serial or notafter (soonest expiry first)")
	return cmd
}

func runList(ctx context.Context, g *globals, o *listOptions) error {
	q, err := o.query(g.now())
	if err != nil {
		return err
	}
	// Streamed: rows print as the store gives them, and the store is
	// closed once read, however slowly stdout takes them.
	return spool.Stream(g.stdout, "", "list", func(w io.Writer) error {
		add, end := listRows(w, g.json())
		lost, err := g.h().List(ctx, q, add)
		g.warnLost(lost)
		if err != nil {
			return err
		}
		return end()
	})
}

// listRows returns the functions that write each entry of the list to w
// and end it: a JSON array, or a table whose cells are quoted when they
// hold a control character (printable).
func listRows(w io.Writer, json bool) (add func(*ca.ListEntry) error, end func() error) {
	if json {
		a := spool.NewJSONArray(w)
		return func(e *ca.ListEntry) error { return a.Add(e) }, a.Close
	}
	t := spool.NewTable(w, []string{"serial", "subject", "issuer", "profile", "notAfter", "status"})
	return func(e *ca.ListEntry) error {
		row := []string{e.Serial, e.Subject, e.Issuer, e.Profile, e.NotAfter.Format(time.RFC3339), e.Status}
		for i, cell := range row {
			row[i] = ca.Printable(cell)
		}
		return t.Add(row)
	}, t.Close
}

// warnLost warns of each certificate revoked on its issuer's last CRL whose
// revocation the store lost.
func (g *globals) warnLost(lost []ca.CRLRevocation) {
	for _, m := range lost {
		fmt.Fprintf(g.stderr, "ca: warning: %s; run \"ca store check\"\n", m.Lost())
	}
}

// query checks the flags and makes the library's query of them.
func (o *listOptions) query(now time.Time) (ca.ListQuery, error) {
	if !slices.Contains(listStatuses, o.status) {
		return ca.ListQuery{}, usageError{fmt.Errorf("--status %q: use valid, revoked, expired or all", o.status)}
	}
	sort, err := ca.ParseListSort(o.sort)
	if err != nil {
		return ca.ListQuery{}, usageError{fmt.Errorf("--sort %q: use %s", o.sort, strings.Join(ca.ListSorts, ", "))}
	}
	q := ca.ListQuery{Query: ca.Query{Issuer: o.issuer, Subject: o.subject}, Status: o.status, Profile: o.profile, Sort: sort, Now: now}
	if o.expiring != "" {
		d, err := ca.ParseFlagDuration("expiring-within", o.expiring)
		if err != nil {
			return q, err
		}
		q.NotAfterBefore, q.ValidOnly = now.Add(d), true
	}
	return q, nil
}
