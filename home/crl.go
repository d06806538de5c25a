package home

import (
	"cmp"
	"context"
	"fmt"
	"io"

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
