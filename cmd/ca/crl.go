package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
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

func newCRLExportCmd(g *globals) *cobra.Command {
	o := &home.CRLExportRequest{}
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
	f.StringVar(&o.Issuer, "issuer", "", "the issuer whose CRL to export (default: the only intermediate, else the root)")
	f.StringVar(&o.Out, "out", "-", "file to write the CRL to (replaces only a CRL); - is stdout")
	f.BoolVar(&o.DER, "der", false, "write DER instead of PEM")
	f.StringVar(&o.NextUpdate, "next-update", "7d", "how long after thisUpdate the next CRL is due, never past the issuer's notAfter (exit 3)"+durationUnits)
	f.BoolVar(&o.IncludeExpired, "include-expired", false, "keep entries of expired certificates for ever")
	f.BoolVar(&o.Delta, "delta", false, "a delta CRL: only what was revoked since the last complete CRL (RFC 5280, 5.2.4)")
	f.BoolVar(&o.AllShards, "all-shards", false, "write the CRL of every shard of a sharded issuer into --out-dir")
	f.StringVar(&o.OutDir, "out-dir", "", "with --all-shards: the directory to write the shards' CRLs to")
	return cmd
}

func runCRLExport(ctx context.Context, g *globals, o *home.CRLExportRequest) error {
	if err := o.Check(); err != nil { // before the home, and its warnings
		return err
	}
	report, err := g.h().ExportCRLs(ctx, *o, g.stdout)
	if err != nil || report == nil {
		return err
	}
	return g.renderText(report)
}

func newCRLStatusCmd(g *globals) *cobra.Command {
	o := &home.CRLStatusRequest{}
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
	f.StringVar(&o.Issuer, "issuer", "", "the issuer (default: the only intermediate, else the root)")
	f.StringVar(&o.FailWithin, "fail-within", "", "exit 6 when nextUpdate is this close (like 2d); without it, only once it has passed"+durationUnits)
	f.BoolVar(&o.AllShards, "all-shards", false, "the last CRL of every shard of a sharded issuer: exit 6 when any is about to lapse, 4 when one has none")
	return cmd
}

func runCRLStatus(ctx context.Context, g *globals, o *home.CRLStatusRequest) error {
	if err := o.Check(); err != nil { // before the home, and its warnings
		return err
	}
	status, err := g.h().CRLStatus(ctx, *o)
	if err != nil {
		return err
	}
	if err := g.renderText(status.Report()); err != nil {
		return err
	}
	return status.Lapse()
}
