package ca

import (
	"bytes"
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"slices"
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
	// NextUpdate is how long after thisUpdate the next CRL is due; 0 means
	// 7 days, or less when the issuer's notAfter comes sooner. One that ends
	// after the issuer's notAfter is refused (ErrRefused).
	NextUpdate time.Duration
	// IncludeExpired keeps entries of expired certificates for ever.
	IncludeExpired bool
	// Delta makes a delta CRL (RFC 5280, 5.2.4) on the issuer's last
	// complete CRL: the revocations that CRL does not list, with a critical
	// delta CRL indicator naming its number. The issuer needs a complete CRL.
	Delta bool
	// Shard, when set, makes the CRL of that shard of a sharded issuer
	// (IssuerURLs.CRLShards): only the revocations of its certificates,
	// expired ones included, with a critical issuing distribution point
	// naming the shard's URL. Not with Delta.
	Shard *int
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
//
// The last CRL must be one the issuer signed (ErrDamaged otherwise), and
// it is the check on the store's revocations: an entry it lists whose
// revocation record is gone may leave only as 3.3 lets any entry leave;
// otherwise CreateCRL signs and records nothing and returns a
// *LostRevocationsError naming the serials.
func (i *Issuer) CreateCRL(ctx context.Context, opts CRLOptions) (*CRLRecord, error) {
	next := opts.NextUpdate
	if next == 0 {
		// Not asked for: 7 days, or up to the issuer's notAfter when that comes sooner.
		next = min(7*24*time.Hour, i.cert.NotAfter.Sub(i.now().UTC().Truncate(time.Second)))
	}
	if next < 0 {
		return nil, fmt.Errorf("%w: --next-update %s must be after thisUpdate", ErrRefused, next)
	}
	if err := i.checkCRLEnd(next); err != nil {
		return nil, err
	}
	for round := 0; ; round++ {
		rec, err := i.buildCRL(ctx, next, opts)
		if errors.Is(err, crl.ErrSourceChanged) && round < maxResign {
			// A store shared by several machines (PostgreSQL) gives each
			// pass its own snapshot: a revocation committed between the
			// encoder's passes changes the entries. Build it again.
			continue
		}
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

// checkCRLEnd refuses (ErrRefused) a nextUpdate past the issuer's notAfter:
// a CRL never outlives its issuer (SPEC "Validity"), as no certificate
// does; it is refused, not shortened, and the message says what is left.
func (i *Issuer) checkCRLEnd(next time.Duration) error {
	now := i.now().UTC().Truncate(time.Second)
	end := i.cert.NotAfter.UTC()
	if !now.Add(next).After(end) {
		return nil
	}
	left := end.Sub(now).Truncate(time.Minute)
	if left <= 0 {
		return fmt.Errorf("%w: issuer %s expired at %s; it signs no CRL", ErrRefused, i.name, end.Format(time.RFC3339))
	}
	return fmt.Errorf("%w: nextUpdate %s would come after issuer %s's notAfter %s, and a CRL never outlives its issuer; ask for at most %s (--next-update %dm)",
		ErrRefused, now.Add(next).Format(time.RFC3339), i.name, end.Format(time.RFC3339), left, int64(left/time.Minute))
}

func (i *Issuer) buildCRL(ctx context.Context, next time.Duration, opts CRLOptions) (*CRLRecord, error) {
	now := i.now().UTC().Truncate(time.Second)
	_, last, err := SignedLastCRL(ctx, i.store, i.name, i.cert)
	if err != nil {
		return nil, err
	}
	highest, err := i.store.CRLNumber(ctx, i.name)
	if err != nil {
		return nil, err
	}
	tmpl := crl.Template{Number: new(big.Int).Add(highest, big.NewInt(1)), ThisUpdate: now, NextUpdate: now.Add(next)}
	var keep func() (func(*Revocation) bool, func())
	var deltaOf *big.Int
	switch {
	case opts.Shard != nil:
		keep, err = i.shardEntries(*opts.Shard)
	case opts.Delta:
		if last == nil {
			return nil, fmt.Errorf("%w: issuer %s has no complete CRL for a delta CRL to be based on; run \"ca crl export\" first", ErrRefused, i.name)
		}
		deltaOf = last.Number
		tmpl.Extensions = append(tmpl.Extensions, crl.DeltaIndicator(last.Number))
		keep = notOn(last)
	default:
		keep, err = i.completeEntries(ctx, last, opts.IncludeExpired)
		if u := i.urls.Expand(i.name).DeltaCRL; err == nil && u != "" {
			var fresh pkix.Extension
			fresh, err = FreshestCRL(u)
			tmpl.Extensions = append(tmpl.Extensions, fresh)
		}
	}
	if err != nil {
		return nil, err
	}
	if idp, err := i.scope(opts.Shard); err != nil {
		return nil, err
	} else if idp != nil {
		tmpl.Extensions = append(tmpl.Extensions, *idp)
	}
	// The entries stream from the store, read three times (the store is
	// held for writing, so it is the same each time): no list of a million.
	count := 0
	src := func(visit func(crl.Entry) error) error {
		count = 0
		ok, done := keep()
		defer done()
		return i.store.Revocations(ctx, i.name, func(r *Revocation) error {
			if !ok(r) {
				return nil
			}
			count++
			return visit(crl.Entry{Serial: r.Serial, RevokedAt: r.RevokedAt, Reason: int(r.Reason), InvalidityDate: r.InvalidityDate})
		})
	}
	var out bytes.Buffer
	_, err = crl.Stream(&out, i.cert, i.signer, tmpl, src)
	if errors.Is(err, crl.ErrInvalid) {
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	if err != nil {
		return nil, err
	}
	return &CRLRecord{Issuer: i.name, DeltaOf: deltaOf, Shard: opts.Shard, Number: tmpl.Number, ThisUpdate: now, NextUpdate: now.Add(next), Entries: count, DER: out.Bytes()}, nil
}

// scope returns the issuing distribution point of the issuer's CRLs, or
// nil for none. A delta CRL has the scope of its base (RFC 5280, 5.2.4):
// both name the issuer's CRL URL. A root's CRL is in openssl's eyes also
// the CRL of the root itself: it names the URL only when the root's
// certificate carries it too, else "openssl verify -crl_check_all" finds
// it out of scope for the root. A shard's CRL names its shard's URL; the
// CRL of all a sharded issuer's revocations names none (it covers all).
func (i *Issuer) scope(shard *int) (*pkix.Extension, error) {
	u := i.urls.Expand(i.name).CRL
	switch {
	case shard != nil:
		u = ShardURL(u, *shard)
	case u == "" || i.urls.CRLShards > 0:
		return nil, nil
	case len(i.chain) == 0 && !slices.Contains(i.cert.CRLDistributionPoints, u):
		return nil, nil
	}
	idp, err := IssuingDistributionPoint(u)
	return &idp, err
}

// shardEntries returns which revocations the CRL of shard lists: those
// of its certificates, expired ones too (an entry may stay for ever).
func (i *Issuer) shardEntries(shard int) (func() (func(*Revocation) bool, func()), error) {
	n := i.urls.CRLShards
	if n == 0 || i.urls.CRL == "" {
		return nil, fmt.Errorf("%w: issuer %s has no CRL shards (ca issuer urls --issuer %s --crl-url URL-WITH-{shard} --crl-shards N)", ErrUsage, i.name, i.name)
	}
	if shard < 0 || shard >= n {
		return nil, fmt.Errorf("%w: shard %d: issuer %s has shards 0 to %d", ErrUsage, shard, i.name, n-1)
	}
	keep := func(r *Revocation) bool { return Shard(r.Serial, n) == shard }
	return func() (func(*Revocation) bool, func()) { return keep, func() {} }, nil
}

// completeEntries returns which revocations a complete CRL lists, after
// checking that none the last CRL listed is lost (checkMissing). The last
// CRL was issued after a certificate expired and after it was revoked, so
// it listed it: it may leave now. Times are whole seconds, so a revocation
// in the same second as the last CRL may have come after it: it stays for
// one more CRL (staying longer is always allowed; leaving early is not).
func (i *Issuer) completeEntries(ctx context.Context, last *crl.List, includeExpired bool) (func() (func(*Revocation) bool, func()), error) {
	var lastUpdate time.Time
	if last != nil {
		lastUpdate = last.ThisUpdate
		missing, err := missingFrom(ctx, i.store, i.name, last, nil)
		if err == nil {
			err = i.checkMissing(ctx, last, missing, includeExpired)
		}
		if err != nil {
			return nil, err
		}
	}
	keep := func(r *Revocation) bool {
		return includeExpired || lastUpdate.IsZero() || !lastUpdate.After(r.NotAfter) || !r.RevokedAt.Before(lastUpdate)
	}
	return func() (func(*Revocation) bool, func()) { return keep, func() {} }, nil
}

// notOn returns, for each pass over the revocations (in serial order),
// which of them the complete CRL base does not list: what a delta CRL on
// base lists (RFC 5280, 5.2.4).
func notOn(base *crl.List) func() (func(*Revocation) bool, func()) {
	return func() (func(*Revocation) bool, func()) {
		c := newEntryCursor(base.Entries())
		return func(r *Revocation) bool {
			for c.ok && c.cur.Serial.Cmp(r.Serial) < 0 {
				c.advance()
			}
			return !c.ok || c.cur.Serial.Cmp(r.Serial) != 0
		}, c.stop
	}
}

// checkMissing judges the entries of the last CRL whose revocation record
// is gone from the store: each may leave the next CRL only as RFC 5280,
// 3.3 lets any entry leave (the last CRL was issued after the certificate
// expired, as its DER signed by this issuer says, and not IncludeExpired).
// The others would be un-revoked by a CRL without them: a
// *LostRevocationsError names them.
func (i *Issuer) checkMissing(ctx context.Context, last *crl.List, missing []crl.Entry, includeExpired bool) error {
	var stay []string
	for _, e := range missing {
		if !includeExpired {
			notAfter, err := i.signedNotAfter(ctx, e.Serial)
			if err != nil {
				return err
			}
			if !notAfter.IsZero() && last.ThisUpdate.After(notAfter) {
				continue
			}
		}
		stay = append(stay, FormatSerial(e.Serial))
	}
	if len(stay) == 0 {
		return nil
	}
	return &LostRevocationsError{Issuer: i.name, CRLNumber: last.Number, Serials: stay}
}

// signedNotAfter returns the notAfter of the certificate serial as its DER
// in the store says, if this issuer signed that DER; zero when the store
// holds no such certificate.
func (i *Issuer) signedNotAfter(ctx context.Context, serial *big.Int) (time.Time, error) {
	rec, err := i.store.Certificate(ctx, serial)
	if errors.Is(err, ErrNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	c, err := x509.ParseCertificate(rec.DER)
	if err != nil || c.SerialNumber.Cmp(serial) != 0 || i.cert.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) != nil {
		return time.Time{}, nil
	}
	return c.NotAfter, nil
}

// LostRevocationsError is CreateCRL's refusal to sign a CRL that would drop
// entries of the issuer's last CRL whose revocation records are gone from
// the store before RFC 5280, 3.3 lets them leave: such a CRL would
// un-revoke them. It matches ErrDamaged.
type LostRevocationsError struct {
	Issuer    string
	CRLNumber *big.Int
	Serials   []string // as FormatSerial writes them, in serial order
}

func (e *LostRevocationsError) Error() string {
	names := e.Serials
	if len(names) > 10 {
		names = append(names[:10:10], fmt.Sprintf("and %d more", len(e.Serials)-10))
	}
	what, them := "serial "+names[0]+", whose revocation record is", "it would un-revoke a certificate"
	if len(e.Serials) > 1 {
		what, them = "serials "+strings.Join(names, ", ")+", whose revocation records are", "them would un-revoke certificates"
	}
	return fmt.Sprintf("%v: CRL %s of issuer %s lists %s missing from the store; a CRL without %s that must stay listed "+
		"(RFC 5280, 3.3: an entry leaves only after one CRL issued after its certificate expired), so no CRL was exported; "+
		"run \"ca store check\" and restore the store from a backup (see docs/operations.md)", ErrDamaged, e.CRLNumber, e.Issuer, what, them)
}

// Is makes the error match ErrDamaged.
func (e *LostRevocationsError) Is(target error) bool { return target == ErrDamaged }
