package ca

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"iter"
	"math/big"
	"time"

	"github.com/ca-toolkit/ca/pkg/crl"
)

// An issuer's last CRL is the store's authenticated memory of what it
// revoked: the store keeps its DER, and the issuer's signature over it
// cannot be rewritten by whoever edits or damages the store. A revocation
// record that goes missing (the toolkit never deletes one) is caught
// against it: CreateCRL refuses to drop its entry early, Verify and
// Certificates still report the certificate revoked, and
// MissingRevocations lists it for "ca store check".

// CRLRevocation is a revocation known from an issuer's last CRL.
type CRLRevocation struct {
	// Revocation is the CRL's entry: serial, time, reason, invalidity
	// date, and Issuer the CRL's issuer; NotAfter is zero (a CRL does not
	// say it).
	Revocation
	CRLNumber     *big.Int
	CRLThisUpdate time.Time
}

// Source names the CRL, for messages: `CRL 4 of issuer root`.
func (r *CRLRevocation) Source() string {
	return fmt.Sprintf("CRL %s of issuer %s", r.CRLNumber, r.Issuer)
}

// SignedLastCRL returns the issuer's last exported CRL, as st records it and
// as the issuer signed it, after checking that cert's key signed it and
// that the record's number and thisUpdate are the signed ones. It returns
// nil, nil, nil when the issuer has exported none, and an error wrapping
// ErrDamaged when the record is not a CRL the issuer signed.
func SignedLastCRL(ctx context.Context, st Store, issuer string, cert *x509.Certificate) (*CRLRecord, *crl.List, error) {
	rec, err := st.LastCRL(ctx, issuer)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	list, err := crl.Parse(rec.DER, cert)
	var why string
	switch {
	case errors.Is(err, crl.ErrSignature):
		why = "its signature does not verify under the issuer's key"
	case err != nil:
		why = "its DER is not a CRL"
	case list.Number.Cmp(rec.Number) != 0 || !list.ThisUpdate.Equal(rec.ThisUpdate):
		why = fmt.Sprintf("the record says number %s of %s, the signed CRL number %s of %s", rec.Number, rec.ThisUpdate.UTC().Format(time.RFC3339),
			list.Number, list.ThisUpdate.UTC().Format(time.RFC3339))
	default:
		return rec, list, nil
	}
	return nil, nil, fmt.Errorf("%w: the last CRL of issuer %s (number %s) in the store is not one the issuer signed (%s), so what it revoked cannot be known; run \"ca store check\" and restore the store from a backup (see docs/operations.md)",
		ErrDamaged, issuer, rec.Number, why)
}

// RevokedOnLastCRL returns the entry of serial on the last CRL of the named
// issuer, whose certificate is cert, or nil when that CRL does not list it
// or the issuer has exported none. Errors as SignedLastCRL.
func RevokedOnLastCRL(ctx context.Context, st Store, issuer string, cert *x509.Certificate, serial *big.Int) (*CRLRevocation, error) {
	_, list, err := SignedLastCRL(ctx, st, issuer, cert)
	if err != nil || list == nil {
		return nil, err
	}
	e, ok, err := list.Find(serial)
	if err != nil {
		return nil, fmt.Errorf("%w: the last CRL of issuer %s: %v", ErrDamaged, issuer, err)
	}
	if !ok {
		return nil, nil
	}
	return newCRLRevocation(issuer, list, e), nil
}

func newCRLRevocation(issuer string, list *crl.List, e crl.Entry) *CRLRevocation {
	return &CRLRevocation{
		Revocation: Revocation{Serial: e.Serial, Issuer: issuer, RevokedAt: e.RevokedAt, Reason: Reason(e.Reason), InvalidityDate: e.InvalidityDate},
		CRLNumber:  list.Number, CRLThisUpdate: list.ThisUpdate,
	}
}

// MissingRevocations returns every entry of an issuer's last CRL for which
// st holds no revocation record, issuer by issuer (in the order of
// st.Issuers), each in serial order. The toolkit never deletes a
// revocation, so each is a record lost to damage or deleted behind its
// back. An issuer whose last CRL is not one it signed adds an error
// wrapping ErrDamaged, joined with the others' (errors.Join), and the
// other issuers are still checked.
func MissingRevocations(ctx context.Context, st Store) ([]CRLRevocation, error) {
	issuers, err := st.Issuers(ctx)
	if err != nil {
		return nil, err
	}
	var out []CRLRevocation
	var errs []error
	for _, iss := range issuers {
		missing, err := missingOf(ctx, st, iss)
		if err != nil {
			errs = append(errs, err)
		}
		out = append(out, missing...)
	}
	return out, errors.Join(errs...)
}

func missingOf(ctx context.Context, st Store, iss IssuerRecord) ([]CRLRevocation, error) {
	cert, err := x509.ParseCertificate(iss.DER)
	if err != nil {
		return nil, fmt.Errorf("%w: issuer %s: its recorded certificate does not parse (%v); %s", ErrDamaged, iss.Name, err, RestoreHint)
	}
	_, list, err := SignedLastCRL(ctx, st, iss.Name, cert)
	if err != nil || list == nil {
		return nil, err
	}
	missing, err := missingFrom(ctx, st, iss.Name, list, nil)
	if err != nil {
		return nil, err
	}
	out := make([]CRLRevocation, len(missing))
	for k, e := range missing {
		out[k] = *newCRLRevocation(iss.Name, list, e)
	}
	return out, nil
}

// Certificates is st.Certificates(q, fn) for readers that must not take a
// lost revocation for none: a certificate the store holds as not revoked
// but that its issuer's last CRL lists comes with the CRL's revocation
// (and its own notAfter), so that its Status is revoked. It returns every
// such revocation of the store, whatever q selects, for the caller to
// report. Errors as MissingRevocations, before fn is called.
func Certificates(ctx context.Context, st Store, q Query, fn func(*CertRecord) error) ([]CRLRevocation, error) {
	missing, err := MissingRevocations(ctx, st)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		q.Revoked = false // the store's revocations are not all of them
	}
	lost := make(map[string]*CRLRevocation, len(missing))
	for k := range missing {
		lost[FormatSerial(missing[k].Serial)] = &missing[k]
	}
	err = st.Certificates(ctx, q, func(r *CertRecord) error {
		if r.Revocation == nil && len(lost) > 0 {
			if m := lost[FormatSerial(r.Serial)]; m != nil && m.Issuer == r.Issuer {
				rev := m.Revocation
				rev.NotAfter = r.NotAfter
				r.Revocation = &rev
			}
		}
		return fn(r)
	})
	return missing, err
}

// missingFrom walks the issuer's revocations alongside list's entries (both
// in serial order) and returns the entries with no revocation record; fn,
// when not nil, is called with each revocation on the way.
func missingFrom(ctx context.Context, st Store, issuer string, list *crl.List, fn func(*Revocation) error) ([]crl.Entry, error) {
	c := newEntryCursor(list.Entries())
	defer c.stop()
	var prev *big.Int
	err := st.Revocations(ctx, issuer, func(r *Revocation) error {
		if prev != nil && r.Serial.Cmp(prev) <= 0 {
			return fmt.Errorf("%w: the revocations of issuer %s are not in serial order (%s after %s); run \"ca store check\"", ErrDamaged, issuer, FormatSerial(r.Serial), FormatSerial(prev))
		}
		prev = r.Serial
		c.skipTo(r.Serial)
		if fn != nil {
			return fn(r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.skipTo(nil)
	if c.err != nil {
		return nil, fmt.Errorf("%w: the last CRL of issuer %s: %v", ErrDamaged, issuer, c.err)
	}
	return c.missing, nil
}

// entryCursor steps through a CRL's entries as a merge walks the store's
// revocations, keeping the entries it passes without meeting them.
type entryCursor struct {
	next    func() (crl.Entry, error, bool)
	stop    func()
	cur     crl.Entry
	ok      bool
	err     error
	missing []crl.Entry
}

func newEntryCursor(entries iter.Seq2[crl.Entry, error]) *entryCursor {
	c := &entryCursor{}
	c.next, c.stop = iter.Pull2(entries)
	c.advance()
	return c
}

func (c *entryCursor) advance() {
	var more bool
	c.cur, c.err, more = c.next()
	c.ok = more && c.err == nil
}

// skipTo passes every entry below serial (all of them for nil), keeping
// them as missing, and steps over the entry of serial itself.
func (c *entryCursor) skipTo(serial *big.Int) {
	for c.ok {
		cmp := -1
		if serial != nil {
			cmp = c.cur.Serial.Cmp(serial)
		}
		if cmp > 0 {
			return
		}
		if cmp < 0 {
			c.missing = append(c.missing, c.cur)
		}
		c.advance()
		if cmp == 0 {
			return
		}
	}
}
