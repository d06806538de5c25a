package ca

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/ca-toolkit/ca/pkg/crl"
)

// Revoke revokes every serial with reason, all in one store transaction or
// none: ErrNotFound for a serial the store does not know, ErrAlreadyRevoked
// for one revoked before, ErrRefused for a root (a root is not revoked: it
// is removed from the trust stores that hold it). A serial given twice is
// revoked once. invalidity (RFC 5280, 5.3.2) may be zero; a future one is
// refused. The revocations come back with their issuer, in the given order.
func Revoke(ctx context.Context, st Store, serials []*big.Int, reason Reason, invalidity, now time.Time) ([]Revocation, error) {
	if _, ok := reasonNames[reason]; !ok {
		return nil, fmt.Errorf("%w: reason code %d", ErrUsage, reason)
	}
	if len(serials) == 0 {
		return nil, fmt.Errorf("%w: no serial to revoke", ErrUsage)
	}
	if !invalidity.IsZero() && invalidity.After(now) {
		return nil, fmt.Errorf("%w: invalidity date %s is in the future", ErrRefused, invalidity.UTC().Format(time.RFC3339))
	}
	seen := map[string]bool{}
	revs := make([]Revocation, 0, len(serials))
	var unknown, revoked []string
	for _, s := range serials {
		if seen[s.String()] {
			continue
		}
		seen[s.String()] = true
		rec, err := st.Certificate(ctx, s)
		switch {
		case errors.Is(err, ErrNotFound):
			unknown = append(unknown, FormatSerial(s))
		case err != nil:
			return nil, err
		case rec.Profile == ProfileRoot.Name():
			return nil, fmt.Errorf("%w: serial %s is the root %q; a root is not revoked but withdrawn from the trust stores that hold it; nothing was revoked", ErrRefused, FormatSerial(s), rec.Issuer)
		case rec.Revocation != nil:
			revoked = append(revoked, FormatSerial(s))
		}
		var inv time.Time
		if !invalidity.IsZero() {
			inv = invalidity.UTC().Truncate(time.Second)
		}
		revs = append(revs, Revocation{Serial: s, RevokedAt: now.UTC().Truncate(time.Second), Reason: reason, InvalidityDate: inv})
	}
	if err := revokeConflicts(unknown, revoked); err != nil {
		return nil, err
	}
	// The store checks again inside its transaction, which is what counts
	// when another process revokes at the same time.
	return st.Revoke(ctx, revs)
}

// revokeConflicts reports every unknown and already revoked serial at once;
// with both, the error matches ErrAlreadyRevoked and ErrNotFound (exit 5,
// the higher code, as SPEC.md has it for commands handling many items).
func revokeConflicts(unknown, revoked []string) error {
	list := func(s []string) string {
		if len(s) == 1 {
			return "serial " + s[0]
		}
		return "serials " + strings.Join(s, ", ")
	}
	switch {
	case len(unknown) > 0 && len(revoked) > 0:
		return fmt.Errorf("%w: %s, and %w: %s (see \"ca list\"); nothing was revoked", ErrAlreadyRevoked, list(revoked), ErrNotFound, list(unknown))
	case len(revoked) > 0:
		return fmt.Errorf("%w: %s; nothing was revoked", ErrAlreadyRevoked, list(revoked))
	case len(unknown) > 0:
		return fmt.Errorf("%w: %s not in this home (see \"ca list\"); nothing was revoked", ErrNotFound, list(unknown))
	}
	return nil
}

// CRLOptions configure Issuer.CreateCRL.
type CRLOptions struct {
	// NextUpdate is how long after thisUpdate the next CRL is due; 0 means 7 days.
	NextUpdate time.Duration
	// IncludeExpired keeps entries of expired certificates for ever.
	IncludeExpired bool
	// Stage, when set, is given the signed CRL before it is recorded (and
	// again for each retry under a new number); an error records nothing.
	// The caller writes the CRL's file there, so that a full disk costs no
	// CRL number.
	Stage func(*CRLRecord) error
}

// CreateCRL signs the issuer's next CRL and records it: CRL number one above
// the last (advanced in the transaction that records it, so numbers strictly
// increase across processes), thisUpdate now, the issuer's revocations in
// serial order. Following RFC 5280, 3.3, an entry leaves the CRL only after
// it has appeared on one CRL issued after its certificate expired, unless
// IncludeExpired.
func (i *Issuer) CreateCRL(ctx context.Context, opts CRLOptions) (*CRLRecord, error) {
	next := opts.NextUpdate
	if next == 0 {
		next = 7 * 24 * time.Hour
	}
	if next < 0 {
		return nil, fmt.Errorf("%w: --next-update %s must be after thisUpdate", ErrRefused, next)
	}
	for round := 0; ; round++ {
		rec, err := i.buildCRL(ctx, next, opts.IncludeExpired)
		if err != nil {
			return nil, err
		}
		if opts.Stage != nil {
			if err := opts.Stage(rec); err != nil {
				return nil, err
			}
		}
		err = i.store.AddCRL(ctx, rec)
		if errors.Is(err, ErrCRLNumber) && round < maxResign {
			continue // another process exported one first: take the next number
		}
		if err != nil {
			return nil, err
		}
		return rec, nil
	}
}

func (i *Issuer) buildCRL(ctx context.Context, next time.Duration, includeExpired bool) (*CRLRecord, error) {
	now := i.now().UTC().Truncate(time.Second)
	number := big.NewInt(1)
	var lastUpdate time.Time
	last, err := i.store.LastCRL(ctx, i.name)
	switch {
	case err == nil:
		number.Add(last.Number, big.NewInt(1))
		lastUpdate = last.ThisUpdate
	case !errors.Is(err, ErrNotFound):
		return nil, err
	}
	var entries []crl.Entry
	err = i.store.Revocations(ctx, i.name, func(r *Revocation) error {
		// The last CRL was issued after this certificate expired and after it
		// was revoked, so it listed it: it may leave now. Times are whole
		// seconds, so a revocation in the same second as the last CRL may
		// have come after it: it stays for one more CRL (staying longer is
		// always allowed; leaving early is not).
		if !includeExpired && !lastUpdate.IsZero() && lastUpdate.After(r.NotAfter) && r.RevokedAt.Before(lastUpdate) {
			return nil
		}
		entries = append(entries, crl.Entry{Serial: r.Serial, RevokedAt: r.RevokedAt, Reason: int(r.Reason), InvalidityDate: r.InvalidityDate})
		return nil
	})
	if err != nil {
		return nil, err
	}
	der, err := crl.Create(i.cert, i.signer, crl.Template{Number: number, ThisUpdate: now, NextUpdate: now.Add(next), Entries: entries})
	if errors.Is(err, crl.ErrInvalid) {
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	if err != nil {
		return nil, err
	}
	return &CRLRecord{Issuer: i.name, Number: number, ThisUpdate: now, NextUpdate: now.Add(next), Entries: len(entries), DER: der}, nil
}
