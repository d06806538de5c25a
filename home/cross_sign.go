package home

import (
	"context"
	"crypto/x509"
	"fmt"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
)

// CrossSignOptions say how to cross-sign another CA's certificate.
type CrossSignOptions struct {
	// Issuer signs; "" is the default issuer (ca.Hierarchy.Resolve).
	Issuer string
	// Config gives the path length (ca.PathLenOfCert: the certificate's
	// own), name constraints and validity (0: until the certificate's
	// notAfter or the issuer's, whichever comes first); Subject is ignored.
	Config ca.Template
	// Out is the file of the cross certificate (required; it replaces only
	// a certificate file).
	Out string
}

// CrossSign signs foreign, another CA's certificate, with one of the home's
// issuers (ca.Issuer.IssueCross: refused when foreign is not a CA or has
// the key of one of the home's issuers), records it (profile cross: listed,
// revocable) and writes it to o.Out: written beside its place before the
// commit, renamed into place after it. A revoked issuer signs nothing.
func (h *Home) CrossSign(ctx context.Context, foreign *x509.Certificate, o CrossSignOptions) (*ca.Issued, error) {
	if o.Out == "" {
		return nil, fmt.Errorf("%w: cross-sign needs a file for the certificate", ca.ErrUsage)
	}
	iss, err := h.LoadIssuer(ctx, o.Issuer)
	if err != nil {
		return nil, err
	}
	defer iss.Close()
	if err := iss.CheckNotRevoked(ctx); err != nil {
		return nil, err
	}
	var batch *place.Batch
	defer func() {
		if batch != nil {
			batch.Close()
		}
	}()
	cfg := o.Config
	cfg.Stage = func(issued *ca.Issued) error {
		if batch != nil {
			batch.Close()
		}
		batch = place.NewBatch(place.File{Path: o.Out, Data: pem.Encode(pem.TypeCertificate, issued.Cert.Raw), Check: pem.KindCertificate.Check})
		return batch.Write()
	}
	h.hook(ca.StageBeforeCommit)
	issued, err := iss.IssueCross(ctx, foreign, cfg)
	if err != nil {
		return nil, err
	}
	h.hook(ca.StageAfterCommit)
	if err := batch.Place(); err != nil {
		serial := ca.FormatSerial(issued.Cert.SerialNumber)
		return nil, fmt.Errorf("the cross certificate (serial %s) is recorded, but %s could not be written: %w; \"ca export chain %s\" prints it", serial, o.Out, err, serial)
	}
	h.hook(ca.StageAfterWrite)
	return issued, nil
}
