package store

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// ReplaceIssuerCert implements ca.Store: it records cert, the renewal of
// the issuer's certificate, links the two, points the issuer's record at
// cert and audits it ("renew-issuer"), in one transaction.
func (b *Bolt) ReplaceIssuerCert(ctx context.Context, name string, cert *ca.CertRecord) error {
	e, err := encodeCert(cert)
	if err != nil {
		return err
	}
	// The new record, the old one rewritten, the issuer record (base64 DER).
	return b.update(ctx, 4*len(e.value)+2048, func(tx *bolt.Tx) error {
		issuers := tx.Bucket(bucketIssuers)
		v := issuers.Get([]byte(name))
		if v == nil {
			return fmt.Errorf("%w: issuer %q", ca.ErrNotFound, name)
		}
		rec, err := decodeIssuer(name, v)
		if err != nil {
			return err
		}
		if err := checkIssuerRenewal(rec, cert); err != nil {
			return err
		}
		old, err := checkRenewal(tx, cert)
		if err != nil {
			return err
		}
		if err := putEncoded(tx, cert, e); err != nil {
			return err
		}
		if err := linkRenewal(tx, cert, old, b.now()); err != nil {
			return err
		}
		nv, err := json.Marshal(issuerJSON{Parent: rec.Parent, Serial: ca.FormatSerial(cert.Serial), DER: cert.DER})
		if err != nil {
			return err
		}
		if err := issuers.Put([]byte(name), nv); err != nil {
			return err
		}
		return b.audit(tx, "renew-issuer", name, []string{ca.FormatSerial(cert.Serial)})
	})
}

// checkIssuerRenewal refuses cert as the new certificate of the issuer
// rec: a root (ca.ErrUsage), a certificate that renews another than the
// issuer's current one (ca.ErrExists: another process renewed it first),
// or one its parent did not sign.
func checkIssuerRenewal(rec *ca.IssuerRecord, cert *ca.CertRecord) error {
	switch {
	case rec.Parent == "":
		return fmt.Errorf("%w: issuer %s is a root; its certificate is not renewed in place", ca.ErrUsage, rec.Name)
	case cert.RenewalOf == nil || cert.RenewalOf.Cmp(rec.Serial) != 0:
		return fmt.Errorf("%w: issuer %s's certificate is now %s, not the one renewed (another ca process renewed it?); nothing was recorded",
			ca.ErrExists, rec.Name, ca.FormatSerial(rec.Serial))
	case cert.Issuer != rec.Parent:
		return fmt.Errorf("ca: issuer %s is signed by %s, not %s", rec.Name, rec.Parent, cert.Issuer)
	}
	return nil
}
