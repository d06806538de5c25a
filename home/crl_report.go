package home

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// CRLExportRequest is "ca crl export" as given, before it is checked.
type CRLExportRequest struct {
	Issuer         string // "": the default issuer
	Out            string // the CRL's file; "-": the writer ExportCRLs is given
	DER            bool
	NextUpdate     string // how long after thisUpdate (csr.ParseDuration), positive
	IncludeExpired bool
	Delta          bool
	AllShards      bool   // with OutDir: the CRL of every shard
	OutDir         string // with AllShards: the directory of the shards' CRLs
}

// Check checks what needs no home, as ExportCRLs does first: NextUpdate,
// then that AllShards and OutDir go together, without Out (ca.ErrUsage).
// A caller that checks before it builds the Home refuses such flags
// without the home's warnings.
func (r CRLExportRequest) Check() error {
	_, err := r.options()
	return err
}

// options is Check, and the CRL's options.
func (r CRLExportRequest) options() (ca.CRLOptions, error) {
	next, err := csr.ParseDuration(r.NextUpdate)
	if err != nil || next <= 0 {
		msg := fmt.Sprintf("--next-update %q: nextUpdate must be after thisUpdate; give a positive duration like 7d", r.NextUpdate)
		if err != nil {
			msg += " (" + strings.TrimPrefix(err.Error(), "csr: ") + ")"
		}
		return ca.CRLOptions{}, usageErr{errors.New(msg)}
	}
	switch {
	case !r.AllShards && r.OutDir == "": // one CRL
	case !r.AllShards || r.OutDir == "":
		return ca.CRLOptions{}, usageErr{errors.New("--all-shards and --out-dir go together: ca crl export --all-shards --out-dir DIR")}
	case r.Out != "-":
		return ca.CRLOptions{}, usageErr{errors.New("--out with --all-shards: the shards' CRLs go to --out-dir")}
	}
	return ca.CRLOptions{NextUpdate: next, IncludeExpired: r.IncludeExpired, Delta: r.Delta}, nil
}

// ExportCRLs checks r (Check) and exports what it asks for. With AllShards
// and OutDir it exports the CRL of every shard into OutDir
// (ExportShardCRLs) and reports them as CRLReports; else one CRL
// (ExportCRL) to the file Out, checked before anything is signed
// (CheckOut), reported as a *CRLReport, or for "-" to w, reported as nil.
func (h *Home) ExportCRLs(ctx context.Context, r CRLExportRequest, w io.Writer) (TextReport, error) {
	opts, err := r.options()
	if err != nil {
		return nil, err
	}
	if r.AllShards {
		return h.exportShards(ctx, r, opts)
	}
	if r.Out != "-" {
		if err := h.CheckOut("--out", r.Out, pem.KindCRL); err != nil {
			return nil, err
		}
	}
	rec, err := h.ExportCRL(ctx, CRLExport{Issuer: r.Issuer, Out: r.Out, W: w, DER: r.DER, CRLOptions: opts})
	if err != nil || r.Out == "-" {
		return nil, err
	}
	return NewCRLReport(rec, r.Out, h.cfg.Now()), nil
}

// exportShards is ExportCRLs of every shard.
func (h *Home) exportShards(ctx context.Context, r CRLExportRequest, opts ca.CRLOptions) (TextReport, error) {
	recs, err := h.ExportShardCRLs(ctx, CRLShardsExport{Issuer: r.Issuer, OutDir: r.OutDir, DER: r.DER, CRLOptions: opts})
	if err != nil {
		return nil, err
	}
	now := h.cfg.Now()
	out := make(CRLReports, len(recs))
	for i, s := range recs {
		out[i] = NewCRLReport(s.CRLRecord, s.Path, now)
		out[i].URL = s.URL
	}
	return out, nil
}

// CRLStatusRequest is "ca crl status" as given, before it is checked.
type CRLStatusRequest struct {
	Issuer     string // "": the default issuer
	FailWithin string // a duration (csr.ParseDuration); "": 0
	AllShards  bool   // the last CRL of every shard of a sharded issuer
}

// CRLStatus is the last CRL of an issuer, or of each of its shards, as
// "ca crl status" reports it.
type CRLStatus struct {
	Reports CRLReports
	shards  bool
	now     time.Time
	within  time.Duration
}

// Check checks FailWithin (csr.ErrBadDuration), as CRLStatus does first;
// it needs no home (CRLExportRequest.Check).
func (r CRLStatusRequest) Check() error {
	_, err := r.failWithin()
	return err
}

// failWithin is FailWithin parsed.
func (r CRLStatusRequest) failWithin() (time.Duration, error) {
	return DurationFlag("fail-within", r.FailWithin)
}

// CRLStatus checks r (Check) and reads the issuer's last CRL
// (ca.ErrNotFound when it has exported none) or, with AllShards, the last
// CRL of each of its shards (ShardCRLs).
func (h *Home) CRLStatus(ctx context.Context, r CRLStatusRequest) (*CRLStatus, error) {
	within, err := r.failWithin()
	if err != nil {
		return nil, err
	}
	var recs []*ca.CRLRecord
	if r.AllShards {
		recs, err = h.ShardCRLs(ctx, r.Issuer)
	} else {
		recs, err = h.lastCRL(ctx, r.Issuer)
	}
	if err != nil {
		return nil, err
	}
	s := &CRLStatus{shards: r.AllShards, now: h.cfg.Now(), within: within}
	for _, rec := range recs {
		s.Reports = append(s.Reports, NewCRLReport(rec, "", s.now))
	}
	return s, nil
}

// lastCRL is the issuer's last CRL, alone in a list.
func (h *Home) lastCRL(ctx context.Context, issuer string) ([]*ca.CRLRecord, error) {
	st, err := h.OpenStoreRead()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	iss, err := resolve(ctx, st, issuer)
	if err != nil {
		return nil, err
	}
	rec, err := st.LastCRL(ctx, iss.Name)
	if err != nil {
		return nil, err
	}
	return []*ca.CRLRecord{rec}, nil
}

// Report is what the status shows: the one CRL, or the list of the
// shards' CRLs.
func (s *CRLStatus) Report() TextReport {
	if s.shards {
		return s.Reports
	}
	return s.Reports[0]
}

// Lapse returns a *CRLLapseError for the first CRL whose nextUpdate is
// within FailWithin of now, or past; nil when none is.
func (s *CRLStatus) Lapse() error {
	for _, r := range s.Reports {
		if left := r.rec.NextUpdate.Sub(s.now); left <= s.within {
			return &CRLLapseError{CRL: r.rec, Left: left}
		}
	}
	return nil
}

// CRLLapseError says that a CRL is about to lapse, Left before its
// nextUpdate (negative: lapsed that long ago). It matches ca.ErrVerify.
type CRLLapseError struct {
	CRL  *ca.CRLRecord
	Left time.Duration
}

// Error says when the CRL lapses (or lapsed) and how to export a new one.
func (e *CRLLapseError) Error() string {
	rec := e.CRL
	what := fmt.Sprintf("lapses in %s", ca.FormatDuration(e.Left.Round(time.Second)))
	if e.Left <= 0 {
		what = fmt.Sprintf("lapsed %s ago", ca.FormatDuration((-e.Left).Round(time.Second)))
	}
	flag := ""
	if rec.Shard != nil {
		what = fmt.Sprintf("(shard %d) %s", *rec.Shard, what)
		flag = " --all-shards --out-dir DIR"
	}
	return fmt.Sprintf("CRL %d of issuer %s %s (nextUpdate %s); export a new one with \"ca crl export --issuer %s%s\"",
		rec.Number, rec.Issuer, what, rec.NextUpdate.UTC().Format(time.RFC3339), rec.Issuer, flag)
}

// Is makes CRLLapseError match ca.ErrVerify.
func (e *CRLLapseError) Is(target error) bool { return target == ca.ErrVerify }

// CRLReport describes one exported CRL, for text and JSON.
type CRLReport struct {
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

	rec *ca.CRLRecord
}

// NewCRLReport describes rec, written to file ("": not written), at now.
func NewCRLReport(rec *ca.CRLRecord, file string, now time.Time) *CRLReport {
	status := "current"
	if !now.Before(rec.NextUpdate) {
		status = "lapsed"
	}
	r := &CRLReport{Issuer: rec.Issuer, Number: rec.Number.Uint64(), ThisUpdate: rec.ThisUpdate.UTC(), NextUpdate: rec.NextUpdate.UTC(),
		Entries: rec.Entries, Status: status, File: file, Shard: rec.Shard, rec: rec}
	if rec.DeltaOf != nil {
		base := rec.DeltaOf.Uint64()
		r.DeltaOf = &base
	}
	return r
}

// WriteText writes the report for people: what was written where, or the
// CRL's number and times.
func (c *CRLReport) WriteText(w io.Writer) error {
	var b strings.Builder
	kind := "CRL"
	if c.DeltaOf != nil {
		kind = fmt.Sprintf("delta CRL (on CRL %d)", *c.DeltaOf)
	}
	switch {
	case c.Shard != nil && c.File != "":
		fmt.Fprintf(&b, "wrote CRL %d of issuer %s, shard %d (%d entries), to %s\n", c.Number, c.Issuer, *c.Shard, c.Entries, c.File)
	case c.File != "":
		fmt.Fprintf(&b, "wrote %s %d of issuer %s to %s\n", kind, c.Number, c.Issuer, c.File)
	default:
		fmt.Fprintf(&b, "issuer:      %s\nnumber:      %d\n", c.Issuer, c.Number)
		if c.Shard != nil {
			fmt.Fprintf(&b, "shard:       %d\n", *c.Shard)
		}
	}
	if c.Shard == nil || c.File == "" {
		fmt.Fprintf(&b, "thisUpdate:  %s\nnextUpdate:  %s (%s)\nentries:     %d\n",
			c.ThisUpdate.Format(time.RFC3339), c.NextUpdate.Format(time.RFC3339), c.Status, c.Entries)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// CRLReports describes the shards' CRLs of one export or status.
type CRLReports []*CRLReport

// WriteText writes each report in turn.
func (c CRLReports) WriteText(w io.Writer) error {
	for _, r := range c {
		if err := r.WriteText(w); err != nil {
			return err
		}
	}
	return nil
}
