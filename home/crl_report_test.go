package home_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
)

// atTime is the home h with its clock stopped at now.
func atTime(h *home.Home, now time.Time) *home.Home {
	cfg := h.Config()
	cfg.Now = func() time.Time { return now }
	return home.New(cfg)
}

// TestExportCRLsRefusals: a request that does not hold together is a usage
// error naming the flag, and nothing is exported (the next CRL is still
// number 1).
func TestExportCRLsRefusals(t *testing.T) {
	h := newHome(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		req  home.CRLExportRequest
		want string
	}{
		{"zero next update", home.CRLExportRequest{Out: "-", NextUpdate: "0d"}, `--next-update "0d": nextUpdate must be after thisUpdate; give a positive duration like 7d (bad duration "0d": zero; a duration must be positive)`},
		{"unparsable next update", home.CRLExportRequest{Out: "-", NextUpdate: "7 days"}, `--next-update "7 days": nextUpdate must be after thisUpdate`},
		{"out dir alone", home.CRLExportRequest{Out: "-", NextUpdate: "7d", OutDir: t.TempDir()}, "--all-shards and --out-dir go together"},
		{"all shards alone", home.CRLExportRequest{Out: "-", NextUpdate: "7d", AllShards: true}, "--all-shards and --out-dir go together"},
		{"all shards with out", home.CRLExportRequest{Out: "x.crl", NextUpdate: "7d", AllShards: true, OutDir: t.TempDir()}, "--out with --all-shards"},
		{"no shards", home.CRLExportRequest{Out: "-", NextUpdate: "7d", AllShards: true, OutDir: t.TempDir()}, "issuer root has no CRL shards"},
		{"out is the store", home.CRLExportRequest{Out: h.StorePath(), NextUpdate: "7d"}, "the home's store"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := h.ExportCRLs(ctx, tc.req, &bytes.Buffer{})
			if err == nil || rep != nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ExportCRLs: %v, %v; want an error saying %q", rep, err, tc.want)
			}
			if tc.name != "out is the store" && !errors.Is(err, ca.ErrUsage) {
				t.Errorf("%v is not ca.ErrUsage", err)
			}
			// Check, without the home, refuses the same, but what only the
			// home can tell (its shards, its files)
			cerr := tc.req.Check()
			if needsHome := tc.name == "no shards" || tc.name == "out is the store"; needsHome != (cerr == nil) || cerr != nil && cerr.Error() != err.Error() {
				t.Errorf("Check: %v; ExportCRLs: %v", cerr, err)
			}
		})
	}
	if _, err := h.CRLStatus(ctx, home.CRLStatusRequest{}); !errors.Is(err, ca.ErrNotFound) {
		t.Fatalf("CRLStatus after refusals: %v, want ErrNotFound (nothing exported)", err)
	}
}

// TestExportCRLsAndStatus: a CRL to stdout is written there and reported
// as nil; one to a file is reported with its file; the status reports the
// last one and lapses within --fail-within of its nextUpdate.
func TestExportCRLsAndStatus(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	h := atTime(newHome(t), now)
	ctx := context.Background()
	var stdout bytes.Buffer
	rep, err := h.ExportCRLs(ctx, home.CRLExportRequest{Out: "-", NextUpdate: "1h"}, &stdout)
	if err != nil || rep != nil || !strings.HasPrefix(stdout.String(), "-----BEGIN X509 CRL-----") {
		t.Fatalf("export to stdout: %v, %v, %q", rep, err, stdout.String())
	}
	file := filepath.Join(t.TempDir(), "root.crl")
	rep, err = h.ExportCRLs(ctx, home.CRLExportRequest{Out: file, NextUpdate: "2h", DER: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("wrote CRL 2 of issuer root to %s\nthisUpdate:  %s\nnextUpdate:  %s (current)\nentries:     0\n",
		file, now.Format(time.RFC3339), now.Add(2*time.Hour).Format(time.RFC3339))
	if text.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", text.String(), want)
	}
	for _, tc := range []struct {
		within string
		lapse  bool
	}{{"", false}, {"1h", false}, {"2h", true}, {"3d", true}} {
		st, err := h.CRLStatus(ctx, home.CRLStatusRequest{FailWithin: tc.within})
		if err != nil {
			t.Fatal(err)
		}
		if r := st.Report().(*home.CRLReport); r.Number != 2 || r.File != "" || r.Status != "current" {
			t.Errorf("status report %+v; want CRL 2, current, no file", r)
		}
		err = st.Lapse()
		var le *home.CRLLapseError
		if tc.lapse != errors.As(err, &le) {
			t.Fatalf("--fail-within %q: lapse %v, want %v", tc.within, err, tc.lapse)
		}
		if tc.lapse {
			want := fmt.Sprintf(`CRL 2 of issuer root lapses in 2h (nextUpdate %s); export a new one with "ca crl export --issuer root"`, now.Add(2*time.Hour).Format(time.RFC3339))
			if err.Error() != want || !errors.Is(err, ca.ErrVerify) {
				t.Errorf("lapse: %v, want %s matching ca.ErrVerify", err, want)
			}
		}
	}
	for _, err := range []error{
		func() error { _, err := h.CRLStatus(ctx, home.CRLStatusRequest{FailWithin: "soon"}); return err }(),
		home.CRLStatusRequest{FailWithin: "soon"}.Check(),
	} {
		if !errors.Is(err, csr.ErrBadDuration) || !strings.HasPrefix(err.Error(), "--fail-within: ") {
			t.Errorf("bad --fail-within: %v", err)
		}
	}
	if err := (home.CRLStatusRequest{FailWithin: "1d"}).Check(); err != nil {
		t.Errorf("Check --fail-within 1d: %v", err)
	}
	later := atTime(h, now.Add(3*time.Hour))
	st, err := later.CRLStatus(ctx, home.CRLStatusRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Lapse(); err == nil || !strings.Contains(err.Error(), "lapsed 1h ago") {
		t.Errorf("an hour after nextUpdate: %v, want lapsed 1h ago", err)
	}
}

// TestCRLReportJSON: the field names SPEC.md fixes, without the empty
// optional ones.
func TestCRLReportJSON(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	shard := 3
	rec := &ca.CRLRecord{Issuer: "root", Number: bigInt(7), ThisUpdate: now, NextUpdate: now.Add(time.Hour), Entries: 2, Shard: &shard}
	for _, tc := range []struct {
		name string
		at   time.Time
		file string
		want string
	}{
		{"current", now, "", `{"issuer":"root","number":7,"thisUpdate":"2026-01-02T03:04:05Z","nextUpdate":"2026-01-02T04:04:05Z","entries":2,"status":"current","shard":3}`},
		{"lapsed", now.Add(time.Hour), "r-3.crl", `{"issuer":"root","number":7,"thisUpdate":"2026-01-02T03:04:05Z","nextUpdate":"2026-01-02T04:04:05Z","entries":2,"status":"lapsed","file":"r-3.crl","shard":3}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := json.Marshal(home.NewCRLReport(rec, tc.file, tc.at))
			if err != nil || string(data) != tc.want {
				t.Fatalf("JSON %s, %v\nwant %s", data, err, tc.want)
			}
		})
	}
	var text bytes.Buffer
	if err := (home.CRLReports{home.NewCRLReport(rec, "", now)}).WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if want := "issuer:      root\nnumber:      7\nshard:       3\nthisUpdate:  2026-01-02T03:04:05Z\nnextUpdate:  2026-01-02T04:04:05Z (current)\nentries:     2\n"; text.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", text.String(), want)
	}
	text.Reset()
	if err := home.NewCRLReport(rec, "r-3.crl", now).WriteText(&text); err != nil || text.String() != "wrote CRL 7 of issuer root, shard 3 (2 entries), to r-3.crl\n" {
		t.Errorf("shard written: %v, %q", err, text.String())
	}
}

func bigInt(n int64) *big.Int { return big.NewInt(n) }
