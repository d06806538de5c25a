package home

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
)

// CRLExport says where an exported CRL goes: the file Out ("" or "-": W
// instead), PEM unless DER.
type CRLExport struct {
	Issuer string // "": the default issuer
	Out    string
	W      io.Writer
	DER    bool
	ca.CRLOptions
}

// ExportCRL signs and records the issuer's next CRL and writes it. The
// file's data are written (and synced) before the CRL is recorded, so a
// full disk or a read-only directory costs no CRL number; the file gets its
// name once the record is committed, replacing only a CRL.
func (h *Home) ExportCRL(ctx context.Context, e CRLExport) (*ca.CRLRecord, error) {
	iss, err := h.LoadIssuer(ctx, e.Issuer)
	if err != nil {
		return nil, err
	}
	defer iss.Close()
	toFile := e.Out != "" && e.Out != "-"
	var file *place.Batch
	defer func() {
		if file != nil {
			file.Close()
		}
	}()
	opts := e.CRLOptions
	opts.Stage = func(rec *ca.CRLRecord) error {
		if !toFile {
			return nil
		}
		if file != nil {
			file.Close() // a retry under a new number
		}
		file = place.NewBatch(place.File{Path: e.Out, Data: e.encode(rec), Check: pem.KindCRL.Check})
		if err := cmp.Or(file.Write(), file.Sync()); err != nil {
			return fmt.Errorf("%w; the CRL was not recorded", err)
		}
		return nil
	}
	rec, err := iss.CreateCRL(ctx, opts)
	if err != nil {
		return nil, err
	}
	iss.Close()
	if !toFile {
		_, err := e.W.Write(e.encode(rec))
		return rec, err
	}
	if err := file.Place(); err != nil {
		return nil, fmt.Errorf("CRL %d of %s is recorded, but writing it failed (export again): %w", rec.Number, rec.Issuer, err)
	}
	return rec, nil
}

// encode is the CRL as the export writes it: DER or PEM.
func (e CRLExport) encode(rec *ca.CRLRecord) []byte {
	if e.DER {
		return rec.DER
	}
	return pem.Encode(pem.TypeCRL, rec.DER)
}

// CRLShardsExport says where the CRLs of every shard of a sharded issuer
// go: one file per shard in OutDir, named after the last element of the
// shard's URL path (like root-3.crl), PEM unless DER.
type CRLShardsExport struct {
	Issuer string // "": the default issuer
	OutDir string
	DER    bool
	ca.CRLOptions
}

// ShardCRL is one shard's exported CRL and where it was written.
type ShardCRL struct {
	Shard int
	URL   string
	Path  string
	*ca.CRLRecord
}

// ExportShardCRLs signs, records and writes the CRL of every shard of the
// issuer (ca.CRLOptions.Shard), each as ExportCRL writes one, in shard
// order. An issuer without shards is refused (ca.ErrUsage), nothing
// written. A failure stops the export; the shards before it are written.
func (h *Home) ExportShardCRLs(ctx context.Context, e CRLShardsExport) ([]ShardCRL, error) {
	name, urls, err := h.IssuerURLs(ctx, e.Issuer)
	if err != nil {
		return nil, err
	}
	if urls.CRLShards == 0 {
		return nil, fmt.Errorf("%w: issuer %s has no CRL shards (ca issuer urls --issuer %s --crl-url URL-WITH-{shard} --crl-shards N)", ca.ErrUsage, name, name)
	}
	if e.Delta {
		return nil, fmt.Errorf("%w: --delta with --all-shards: shards have no delta CRLs", ca.ErrUsage)
	}
	if err := os.MkdirAll(e.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("--out-dir: %w", err)
	}
	crlURL := urls.Expand(name).CRL
	out := make([]ShardCRL, 0, urls.CRLShards)
	for s := range urls.CRLShards {
		u := ca.ShardURL(crlURL, s)
		p := filepath.Join(e.OutDir, shardFile(name, crlURL, s))
		opts := e.CRLOptions
		opts.Shard = &s
		rec, err := h.ExportCRL(ctx, CRLExport{Issuer: name, Out: p, DER: e.DER, CRLOptions: opts})
		if err != nil {
			return out, fmt.Errorf("shard %d: %w", s, err)
		}
		out = append(out, ShardCRL{Shard: s, URL: u, Path: p, CRLRecord: rec})
	}
	return out, nil
}

// shardFile is the file name of the CRL of shard at the sharded crlURL:
// the last element of its URL's path when that names the shard (as in
// /root-3.crl), else NAME-SHARD.crl.
func shardFile(name, crlURL string, shard int) string {
	base := func(s int) string {
		u, err := url.Parse(ca.ShardURL(crlURL, s))
		if err != nil {
			return ""
		}
		return path.Base(u.Path)
	}
	if b := base(shard); strings.Contains(path.Base(crlURL), ca.ShardPlaceholder) && b != "." && b != "/" {
		return b
	}
	return fmt.Sprintf("%s-%d.crl", name, shard)
}

// ShardCRLs returns the last exported CRL of every shard of the issuer
// ("": the default), in shard order, with the store open read-only for
// just that long. An issuer without shards is refused (ca.ErrUsage); a
// shard with no CRL yet is ca.ErrNotFound.
func (h *Home) ShardCRLs(ctx context.Context, issuer string) ([]*ca.CRLRecord, error) {
	st, err := h.OpenStoreRead()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	rec, err := resolve(ctx, st, issuer)
	if err != nil {
		return nil, err
	}
	urls, err := st.IssuerURLs(ctx, rec.Name)
	if err != nil {
		return nil, err
	}
	if urls.CRLShards == 0 {
		return nil, fmt.Errorf("%w: issuer %s has no CRL shards (ca issuer urls --issuer %s --crl-url URL-WITH-{shard} --crl-shards N)", ca.ErrUsage, rec.Name, rec.Name)
	}
	out := make([]*ca.CRLRecord, 0, urls.CRLShards)
	for s := range urls.CRLShards {
		c, err := st.LastShardCRL(ctx, rec.Name, s)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
