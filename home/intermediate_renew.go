package home

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
)

// IntermediateRenewal is what RenewIntermediate did.
type IntermediateRenewal struct {
	Name, Parent string
	Old          *x509.Certificate
	Issued       *ca.Issued
	Files        []string // the issuer files replaced: its cert.pem and chain.pem, its descendants' chain.pem
	// Finished says no new certificate was signed: the files of an
	// interrupted renewal (recorded, not placed) were put in place.
	Finished bool
}

// RenewIntermediate gives the intermediate name a new certificate from its
// parent for the same key and subject (ca.Issuer.RenewIntermediate): the
// parent's key is opened (its passphrase asked for); the intermediate's own
// key is not. The new certificate is recorded and made the issuer's in one
// transaction, and issuers/NAME/cert.pem and chain.pem, and the chain.pem
// of every issuer below it, are replaced by the new ones: written before
// the commit, renamed into place after it. validity 0 means as long as the
// old certificate was. A root, a revoked intermediate, or one under a
// revoked parent is not renewed.
func (h *Home) RenewIntermediate(ctx context.Context, name string, validity time.Duration) (*IntermediateRenewal, error) {
	hier, err := h.Hierarchy(ctx)
	if err != nil {
		return nil, err
	}
	rec, err := hier.Get(name)
	if err != nil {
		return nil, err
	}
	if rec.Parent == "" {
		return nil, fmt.Errorf("%w: issuer %s is the root: a root is not renewed in place; make a new root and cross-sign it (see docs/lifecycle.md)", ca.ErrUsage, name)
	}
	if err := h.CheckIssuerCert(rec); err != nil {
		if r, ferr := h.finishRenewal(ctx, hier, rec); ferr != nil || r != nil {
			return r, ferr
		}
		return nil, fmt.Errorf("%w; run \"ca store check\" and restore the file from a backup; nothing was written", err)
	}
	parent, err := h.OpenIssuer(ctx, rec.Parent)
	if err != nil {
		return nil, err
	}
	parent.ForgetPassphrase()
	if err := parent.Bind(); err != nil {
		return nil, err
	}
	defer parent.Close()
	if err := parent.CheckNotRevoked(ctx); err != nil {
		return nil, err
	}
	if rec, err = parent.Hierarchy.Get(name); err != nil {
		return nil, err
	}
	return h.renewIntermediate(ctx, parent, rec, validity)
}

// renewIntermediate signs, stages, records and places the renewal of rec
// under parent, bound to the store.
func (h *Home) renewIntermediate(ctx context.Context, parent *Issuer, rec *ca.IssuerRecord, validity time.Duration) (*IntermediateRenewal, error) {
	var batch *place.Batch
	defer func() {
		if batch != nil {
			batch.Close()
		}
	}()
	var names []string
	stage := func(issued *ca.Issued) error {
		files, err := h.renewedIssuerFiles(parent.Hierarchy, rec.Name, issued.Cert)
		if err != nil {
			return err
		}
		if batch != nil {
			batch.Close()
		}
		names = names[:0]
		for _, f := range files {
			names = append(names, f.Path)
		}
		batch = place.NewBatch(files...)
		return batch.Write()
	}
	h.hook(ca.StageBeforeCommit)
	issued, err := parent.RenewIntermediate(ctx, rec, validity, stage)
	if err != nil {
		return nil, err
	}
	h.hook(ca.StageAfterCommit)
	if err := batch.Place(); err != nil {
		return nil, fmt.Errorf("issuer %s's new certificate (serial %s) is recorded, but its files could not be put in place: %w; "+
			"once that is fixed, run \"ca intermediate renew --name %s\" again: it puts them in place (see docs/lifecycle.md)",
			rec.Name, ca.FormatSerial(issued.Cert.SerialNumber), err, rec.Name)
	}
	h.hook(ca.StageAfterWrite)
	old, _ := x509.ParseCertificate(rec.DER)
	return &IntermediateRenewal{Name: rec.Name, Parent: rec.Parent, Old: old, Issued: issued, Files: names}, nil
}

// renewedIssuerFiles are the files that change when issuer name's
// certificate becomes cert: its cert.pem and chain.pem, and the chain.pem
// of each issuer below it, each checked to hold certificates now.
func (h *Home) renewedIssuerFiles(hier *ca.Hierarchy, name string, cert *x509.Certificate) ([]place.File, error) {
	recs := slices.Clone(hier.Records())
	for k := range recs {
		if recs[k].Name == name {
			recs[k].Serial, recs[k].DER = cert.SerialNumber, cert.Raw
		}
	}
	after, err := ca.NewHierarchy(recs)
	if err != nil {
		return nil, err
	}
	files := []place.File{{Path: h.IssuerFile(name, FileCert), Data: pem.Encode(pem.TypeCertificate, cert.Raw), Check: pem.KindCertificate.Check}}
	for _, r := range recs {
		if r.Name == name || isBelow(after, r.Name, name) {
			files = append(files, place.File{Path: h.IssuerFile(r.Name, FileChain), Data: ca.EncodeChain(after.Chain(r.Name)), Check: pem.KindCertificate.Check})
		}
	}
	for _, f := range files {
		if err := place.CheckFile(f); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// finishRenewal completes an interrupted renewal of rec: when its
// cert.pem holds the certificate that the issuer's recorded one renewed (a
// renewal recorded whose files were not placed), the recorded
// certificate's files are put in place, with the store held. It returns
// nil, nil when cert.pem holds anything else.
func (h *Home) finishRenewal(ctx context.Context, hier *ca.Hierarchy, rec *ca.IssuerRecord) (*IntermediateRenewal, error) {
	data, err := os.ReadFile(h.IssuerFile(rec.Name, FileCert))
	if err != nil {
		return nil, nil
	}
	der, _, err := pem.Decode(data, pem.MaxSize, pem.TypeCertificate)
	if err != nil {
		return nil, nil
	}
	onDisk, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil
	}
	st, err := h.OpenStore()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	cur, err := st.Certificate(ctx, rec.Serial)
	if err != nil || cur.RenewalOf == nil || cur.RenewalOf.Cmp(onDisk.SerialNumber) != 0 {
		return nil, nil
	}
	if prev, err := st.Certificate(ctx, cur.RenewalOf); err != nil || string(prev.DER) != string(der) {
		return nil, nil
	}
	return h.placeRecorded(ctx, st, rec.Name, onDisk)
}

// placeRecorded writes the files of issuer name's recorded certificate (as
// renewIntermediate places them), with st held.
func (h *Home) placeRecorded(ctx context.Context, st ca.Store, name string, onDisk *x509.Certificate) (*IntermediateRenewal, error) {
	hier, err := ca.LoadHierarchy(ctx, st)
	if err != nil {
		return nil, err
	}
	rec, err := hier.Get(name)
	if err != nil {
		return nil, err
	}
	cert := hier.Certificate(name)
	files, err := h.renewedIssuerFiles(hier, name, cert)
	if err != nil {
		return nil, err
	}
	if err := place.WriteFiles(files...); err != nil {
		return nil, err
	}
	certRec, err := st.Certificate(ctx, rec.Serial)
	if err != nil {
		return nil, err
	}
	r := &IntermediateRenewal{Name: name, Parent: rec.Parent, Old: onDisk, Issued: &ca.Issued{Cert: cert, Record: certRec}, Finished: true}
	for _, f := range files {
		r.Files = append(r.Files, f.Path)
	}
	return r, nil
}

// isBelow reports whether the issuer child has ancestor above it.
func isBelow(hier *ca.Hierarchy, child, ancestor string) bool {
	r, _ := hier.Get(child)
	for n := 0; r != nil && r.Parent != "" && n <= len(hier.Records()); n++ {
		if r.Parent == ancestor {
			return true
		}
		r, _ = hier.Get(r.Parent)
	}
	return false
}
