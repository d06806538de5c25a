package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
)

func newCRLCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "crl",
		Short: "Export CRLs and watch their freshness",
		Args:  noArgs,
	}
	cmd.AddCommand(newCRLExportCmd(g), newCRLStatusCmd(g))
	return cmd
}

type crlExportOptions struct {
	issuer         string
	out            string
	der            bool
	nextUpdate     string
	includeExpired bool
	delta          bool
	allShards      bool
	outDir         string
}

func newCRLExportCmd(g *globals) *cobra.Command {
	o := &crlExportOptions{}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Sign and write the issuer's next CRL",
		Long: `export signs a v2 CRL for the issuer (default: the home's only intermediate,
else the root) and records it: CRL number one above the last (advanced in the
transaction that records the export, so numbers strictly increase across
processes), authority key identifier, thisUpdate now, nextUpdate after
--next-update, entries in serial order with their reason codes (none for
unspecified) and invalidity dates.

An entry leaves the CRL only after it has appeared on one CRL issued after
its certificate expired (RFC 5280, 3.3); with --include-expired it stays for
ever. The root has its own CRL, listing revoked intermediates.

The issuer's last CRL, which its key signed, checks the store: an entry it
lists whose revocation record is gone from the store (damage, or an edit
behind ca's back) may leave only as the rule above lets any entry leave.
Otherwise export exits 1 naming the serials, and writes and records
nothing: run "ca store check" and restore the store from a backup.

The CRL is written atomically to --out (default: stdout), PEM unless --der.
With --out FILE, a summary goes to stdout (JSON with -o json); with --out -,
stdout carries only the CRL.

For an issuer whose CRLs are sharded (ca issuer urls --crl-shards N),
--all-shards --out-dir DIR writes one CRL per shard into DIR, named after
its URL (like root-3.crl): each lists only the revocations of its shard's
certificates (expired ones too), with a critical issuing distribution point
naming the shard's URL. Without --all-shards, export writes one CRL of all
the issuer's revocations, with no issuing distribution point.`,
		Example: `  ca crl export --out crl.pem
  ca crl export --issuer root --der --out root.crl --next-update 30d
  ca crl export --issuer issuing --all-shards --out-dir /srv/crl --der`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runCRLExport(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.issuer, "issuer", "", "the issuer whose CRL to export (default: the only intermediate, else the root)")
	f.StringVar(&o.out, "out", "-", "file to write the CRL to (replaces only a CRL); - is stdout")
	f.BoolVar(&o.der, "der", false, "write DER instead of PEM")
	f.StringVar(&o.nextUpdate, "next-update", "7d", "how long after thisUpdate the next CRL is due, never past the issuer's notAfter (exit 3)"+durationUnits)
	f.BoolVar(&o.includeExpired, "include-expired", false, "keep entries of expired certificates for ever")
	f.BoolVar(&o.delta, "delta", false, "a delta CRL: only what was revoked since the last complete CRL (RFC 5280, 5.2.4)")
	f.BoolVar(&o.allShards, "all-shards", false, "write the CRL of every shard of a sharded issuer into --out-dir")
	f.StringVar(&o.outDir, "out-dir", "", "with --all-shards: the directory to write the shards' CRLs to")
	return cmd
}

func runCRLExport(ctx context.Context, g *globals, o *crlExportOptions) error {
	next, err := csr.ParseDuration(o.nextUpdate)
	if err != nil || next <= 0 {
		msg := fmt.Sprintf("--next-update %q: nextUpdate must be after thisUpdate; give a positive duration like 7d", o.nextUpdate)
		if err != nil {
			msg += " (" + strings.TrimPrefix(err.Error(), "csr: ") + ")"
		}
		return usageError{errors.New(msg)}
	}
	opts := ca.CRLOptions{NextUpdate: next, IncludeExpired: o.includeExpired, Delta: o.delta}
	if o.allShards || o.outDir != "" {
		return runCRLExportShards(ctx, g, o, opts)
	}
	if err := g.checkOut("--out", o.out, pem.KindCRL); err != nil {
		return err
	}
	rec, err := g.h().ExportCRL(ctx, home.CRLExport{Issuer: o.issuer, Out: o.out, W: g.stdout, DER: o.der, CRLOptions: opts})
	if err != nil || o.out == "-" {
		return err
	}
	return g.render(newCRLExportInfo(rec, o.out, g.now()))
}

func runCRLExportShards(ctx context.Context, g *globals, o *crlExportOptions, opts ca.CRLOptions) error {
	switch {
	case !o.allShards || o.outDir == "":
		return usageError{errors.New("--all-shards and --out-dir go together: ca crl export --all-shards --out-dir DIR")}
	case o.out != "-":
		return usageError{errors.New("--out with --all-shards: the shards' CRLs go to --out-dir")}
	}
	recs, err := g.h().ExportShardCRLs(ctx, home.CRLShardsExport{Issuer: o.issuer, OutDir: o.outDir, DER: o.der, CRLOptions: opts})
	if err != nil {
		return err
	}
	now := g.now()
	out := make(crlShardsInfo, len(recs))
	for i, r := range recs {
		out[i] = newCRLExportInfo(r.CRLRecord, r.Path, now)
		out[i].URL = r.URL
	}
	return g.render(out)
}

// crlShardsInfo describes the shards' CRLs of one export.
type crlShardsInfo []*crlExportInfo

func (c crlShardsInfo) text(w io.Writer) {
	for _, i := range c {
		i.text(w)
	}
}

type crlStatusOptions struct {
	issuer     string
	failWithin string
	allShards  bool
}

func newCRLStatusCmd(g *globals) *cobra.Command {
	o := &crlStatusOptions{}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the issuer's last exported CRL; exit 6 when it is about to lapse",
		Long: `status prints the number, thisUpdate and nextUpdate of the last CRL exported
for the issuer (default: the only intermediate, else the root). It exits 6 when
nextUpdate is within --fail-within of now, or already past (the default window
is 0: exit 6 only once the CRL has lapsed), and 4 when the issuer has exported
no CRL yet. Made for cron and CI:

  ca crl status --fail-within 2d || ca crl export --out /srv/crl/ca.crl --der`,
		Example: `  ca crl status
  ca crl status --issuer root --fail-within 7d -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runCRLStatus(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.issuer, "issuer", "", "the issuer (default: the only intermediate, else the root)")
	f.StringVar(&o.failWithin, "fail-within", "", "exit 6 when nextUpdate is this close (like 2d); without it, only once it has passed"+durationUnits)
	f.BoolVar(&o.allShards, "all-shards", false, "the last CRL of every shard of a sharded issuer: exit 6 when any is about to lapse, 4 when one has none")
	return cmd
}

func runCRLStatus(ctx context.Context, g *globals, o *crlStatusOptions) (err error) {
	var within time.Duration
	if o.failWithin != "" {
		if within, err = parseDuration("fail-within", o.failWithin); err != nil {
			return err
		}
	}
	if o.allShards {
		return runCRLStatusShards(ctx, g, o.issuer, within)
	}
	st, err := g.h().OpenStoreRead()
	if err != nil {
		return err
	}
	defer st.Close()
	set, err := ca.LoadHierarchy(ctx, st)
	if err != nil {
		return err
	}
	iss, err := set.Resolve(o.issuer)
	if err != nil {
		return err
	}
	rec, err := st.LastCRL(ctx, iss.Name)
	if err != nil {
		return err
	}
	st.Close()
	now := g.now()
	info := newCRLExportInfo(rec, "", now)
	if err := g.render(info); err != nil {
		return err
	}
	return lapses(rec, now, within)
}

// lapses is exit 6 when rec's nextUpdate is within of now, or past.
func lapses(rec *ca.CRLRecord, now time.Time, within time.Duration) error {
	if left := rec.NextUpdate.Sub(now); left <= within {
		what := fmt.Sprintf("lapses in %s", ca.FormatDuration(left.Round(time.Second)))
		if left <= 0 {
			what = fmt.Sprintf("lapsed %s ago", ca.FormatDuration((-left).Round(time.Second)))
		}
		flag := ""
		if rec.Shard != nil {
			what = fmt.Sprintf("(shard %d) %s", *rec.Shard, what)
			flag = " --all-shards --out-dir DIR"
		}
		return &exitError{code: exitVerify, msg: fmt.Sprintf("CRL %d of issuer %s %s (nextUpdate %s); export a new one with \"ca crl export --issuer %s%s\"",
			rec.Number, rec.Issuer, what, rec.NextUpdate.UTC().Format(time.RFC3339), rec.Issuer, flag)}
	}
	return nil
}

func runCRLStatusShards(ctx context.Context, g *globals, issuer string, within time.Duration) error {
	recs, err := g.h().ShardCRLs(ctx, issuer)
	if err != nil {
		return err
	}
	now := g.now()
	out := make(crlShardsInfo, len(recs))
	for i, r := range recs {
		out[i] = newCRLExportInfo(r, "", now)
	}
	if err := g.render(out); err != nil {
		return err
	}
	for _, r := range recs {
		if err := lapses(r, now, within); err != nil {
			return err
		}
	}
	return nil
}

// crlExportInfo describes one exported CRL, for text and JSON.
type crlExportInfo struct {
	Issuer     string    `json:"issuer"`
	Number     uint64    `json:"number"`
	ThisUpdate time.Time `json:"thisUpdate"`
	NextUpdate time.Time `json:"nextUpdate"`
	Entries    int       `json:"entries"`
	Status     string    `json:"status"` // current or lapsed
	File       string    `json:"file,omitempty"`
	DeltaOf    *uint64   `json:"deltaOf,omitempty"` // a delta CRL's base CRL number
	Shard      *int      `json:"shard,omitempty"`   // a shard's CRL: its shard
	URL        string    `json:"url,omitempty"`     // a shard's CRL: its URL
}

func newCRLExportInfo(rec *ca.CRLRecord, file string, now time.Time) *crlExportInfo {
	status := "current"
	if !now.Before(rec.NextUpdate) {
		status = "lapsed"
	}
	info := &crlExportInfo{Issuer: rec.Issuer, Number: rec.Number.Uint64(), ThisUpdate: rec.ThisUpdate.UTC(), NextUpdate: rec.NextUpdate.UTC(),
		Entries: rec.Entries, Status: status, File: file, Shard: rec.Shard}
	if rec.DeltaOf != nil {
		base := rec.DeltaOf.Uint64()
		info.DeltaOf = &base
	}
	return info
}

func (c *crlExportInfo) text(w io.Writer) {
	kind := "CRL"
	if c.DeltaOf != nil {
		kind = fmt.Sprintf("delta CRL (on CRL %d)", *c.DeltaOf)
	}
	if c.Shard != nil && c.File != "" {
		fmt.Fprintf(w, "wrote CRL %d of issuer %s, shard %d (%d entries), to %s\n", c.Number, c.Issuer, *c.Shard, c.Entries, c.File)
		return
	}
	if c.File != "" {
		fmt.Fprintf(w, "wrote %s %d of issuer %s to %s\n", kind, c.Number, c.Issuer, c.File)
	} else {
		fmt.Fprintf(w, "issuer:      %s\nnumber:      %d\n", c.Issuer, c.Number)
		if c.Shard != nil {
			fmt.Fprintf(w, "shard:       %d\n", *c.Shard)
		}
	}
	fmt.Fprintf(w, "thisUpdate:  %s\nnextUpdate:  %s (%s)\nentries:     %d\n",
		c.ThisUpdate.Format(time.RFC3339), c.NextUpdate.Format(time.RFC3339), c.Status, c.Entries)
}
