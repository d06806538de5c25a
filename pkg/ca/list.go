package ca

import (
	"context"
	"time"
)

// ListQuery selects the certificates of "ca list": Query for the store,
// then by their state at Now.
type ListQuery struct {
	Query
	// Status keeps the certificates in this state (StatusValid,
	// StatusRevoked, StatusExpired); "" and "all" keep every one.
	Status string
	// ValidOnly keeps only certificates valid at Now: the renewal list of
	// --expiring-within (not revoked, not expired).
	ValidOnly bool
	// Profile keeps the certificates issued under this profile ("" keeps
	// every one).
	Profile string
	// Sort is the order (SortNotBefore, SortSerial, SortNotAfter); ""
	// is SortSerial. The store gives the rows in that order (Query.Order),
	// so List holds none of them.
	Sort string
	// Now is the time the states are taken at.
	Now time.Time
}

// keep reports whether q selects r, by its state.
func (q ListQuery) keep(r *CertRecord) bool {
	s := r.Status(q.Now)
	return (q.Status == "" || q.Status == "all" || s == q.Status) && (!q.ValidOnly || s == StatusValid) &&
		(q.Profile == "" || r.Profile == q.Profile)
}

// ListEntry is one certificate as "ca list" shows it, in its table and as
// JSON (docs/json.md): RevokedAt and Reason are null unless revoked.
type ListEntry struct {
	Serial    string     `json:"serial"`
	Issuer    string     `json:"issuer"`
	Subject   string     `json:"subject"`
	SANs      []string   `json:"sans"`
	NotBefore time.Time  `json:"notBefore"`
	NotAfter  time.Time  `json:"notAfter"`
	Status    string     `json:"status"`
	RevokedAt *time.Time `json:"revokedAt"`
	Reason    *string    `json:"reason"`
	Profile   string     `json:"profile"`
	RenewalOf *string    `json:"renewalOf"` // the serial this one renews, or null
	RenewedBy *string    `json:"renewedBy"` // the serial that renewed this one, or null
}

// NewListEntry is r as "ca list" shows it at now.
func NewListEntry(r *CertRecord, now time.Time) *ListEntry {
	e := &ListEntry{
		Serial: FormatSerial(r.Serial), Issuer: r.Issuer, Subject: r.Subject, SANs: r.SANs,
		NotBefore: r.NotBefore.UTC(), NotAfter: r.NotAfter.UTC(), Status: r.Status(now), Profile: r.Profile,
	}
	if e.SANs == nil {
		e.SANs = []string{}
	}
	e.RenewalOf, e.RenewedBy = serialOrNil(r.RenewalOf), serialOrNil(r.RenewedBy)
	if rv := r.Revocation; rv != nil {
		t, reason := rv.RevokedAt.UTC(), rv.Reason.String()
		e.RevokedAt, e.Reason = &t, &reason
	}
	return e
}

// List calls fn with each certificate of st that q selects, in the order
// q.Sort names ("" is the order st.Certificates gives them), until fn
// returns an error; a certificate
// whose revocation the store lost but its issuer's last CRL lists is
// revoked (Certificates). It returns every such lost revocation of the
// store, for the caller to report. A q.Issuer the store does not know is
// ErrNotFound.
func List(ctx context.Context, st Store, q ListQuery, fn func(*ListEntry) error) ([]CRLRevocation, error) {
	if q.Issuer != "" {
		if _, err := st.Issuer(ctx, q.Issuer); err != nil {
			return nil, err
		}
	}
	q.Order = q.Sort
	// A revoked certificate is one the store holds as revoked (or whose
	// revocation it lost: Certificates then reads every certificate).
	q.Revoked = q.Status == StatusRevoked
	switch {
	case q.Status == StatusExpired:
		// Only certificates whose notAfter is before now are expired: the
		// expiry index selects them (a second later, for the truncation
		// of the index to seconds; keep checks the state).
		if b := q.Now.Add(time.Second); q.NotAfterBefore.IsZero() || b.Before(q.NotAfterBefore) {
			q.NotAfterBefore = b
		}
	case q.Status == StatusValid || q.ValidOnly:
		// Only certificates whose notAfter is not before now are valid:
		// the expiry index selects them from now on (to the second).
		q.NotAfterFrom = q.Now
	}
	return Certificates(ctx, st, q.Query, func(r *CertRecord) error {
		if !q.keep(r) {
			return nil
		}
		return fn(NewListEntry(r, q.Now))
	})
}
