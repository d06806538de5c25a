package ca

import (
	"context"
	"math/big"
	"time"
)

// CertRecord is one issued certificate as the store keeps it: the DER plus the
// fields `ca list` filters and shows.
type CertRecord struct {
	Serial    *big.Int
	Issuer    string // name of the issuer that signed it (a root names itself)
	Subject   string // RFC 2253 form
	SANs      []string
	NotBefore time.Time
	NotAfter  time.Time
	Profile   string // server, client, device, intermediate or root
	DER       []byte
	// Revocation is set by the store when reading a revoked certificate.
	Revocation *Revocation
	// RenewalOf is the serial of the certificate this one renews; the store
	// checks, in the transaction that records this one, that it is known,
	// not revoked and not renewed yet, and sets its RenewedBy.
	RenewalOf *big.Int
	// RenewedBy is the serial of the certificate that renewed this one.
	RenewedBy *big.Int
	// RevokeRenewed, with RenewalOf, has the store revoke the renewed
	// certificate (reason superseded) in that same transaction. Not stored.
	RevokeRenewed bool
	// KeyHeld says ca made the certificate's key (ca issue), so that a
	// renewal may make a new one (--rekey).
	KeyHeld bool
}

// Revocation is one revoked certificate.
type Revocation struct {
	Serial         *big.Int
	Issuer         string    // filled by the store from the certificate record
	NotAfter       time.Time // of the certificate; filled by the store
	RevokedAt      time.Time
	Reason         Reason
	InvalidityDate time.Time // zero when not given
}

// IssuerRecord is one issuer of the home. Its certificate is also recorded as
// a CertRecord (issued by Parent, or by itself for a root).
type IssuerRecord struct {
	Name   string
	Parent string // "" for a root
	Serial *big.Int
	DER    []byte
	// URLs are the issuer's publication URLs that AddIssuer records with
	// it; Issuer and Issuers do not fill them (IssuerURLs reads them).
	URLs IssuerURLs
	// Policy is the issuer's policy (the canonical JSON of its
	// policy.json) that AddIssuer records with it when set; Issuer and
	// Issuers do not fill it (Policy reads it).
	Policy []byte
}

// CRLRecord is one exported CRL.
type CRLRecord struct {
	Issuer string
	// DeltaOf is, for a delta CRL, the number of the complete CRL it is
	// based on (RFC 5280, 5.2.4); nil for a complete CRL.
	DeltaOf *big.Int
	// Shard is, for one shard's CRL (IssuerURLs.CRLShards), that shard;
	// nil for a CRL of all the issuer's revocations. LastCRL skips shards.
	Shard      *int
	Number     *big.Int
	ThisUpdate time.Time
	NextUpdate time.Time
	Entries    int
	DER        []byte
}

// Query selects certificates for Certificates. Zero fields select everything.
type Query struct {
	Issuer         string    // only this issuer's certificates
	Subject        string    // subject or a SAN contains this text (case-insensitive)
	NotAfterBefore time.Time // only certificates whose notAfter is before this
	// NotAfterFrom selects only the certificates whose notAfter is at or
	// after this, to the second (the unexpired ones at a time): stores
	// select them from their expiry index, as for NotAfterBefore.
	NotAfterFrom time.Time
	// Order is the order Certificates gives them in: SortSerial,
	// SortNotBefore or SortNotAfter, ties by serial; "" is SortSerial, or
	// SortNotAfter when NotAfterBefore or NotAfterFrom is set. Stores
	// stream every order from an index (docs/revocation.md, "The
	// inventory: ca list"); a range of notAfter in another order is sorted
	// by its keys, not its records.
	Order string
	// Revoked selects only the certificates the store holds as revoked,
	// from its index of revocations (held and sorted: a selection).
	Revoked bool
}

// Store records what the issuers of one home vouched for. Every method that
// changes the store does so in one transaction, and appends an audit record
// in the same transaction. Implementations: store.Bolt (default); the
// conformance suite in package store holds every implementation to this.
type Store interface {
	// AddIssuer records a new issuer and its certificate in one transaction:
	// ErrExists when the name is taken, ErrSerialExists when the serial is.
	AddIssuer(ctx context.Context, iss IssuerRecord, cert *CertRecord) error
	// Issuer returns the named issuer, or ErrNotFound.
	Issuer(ctx context.Context, name string) (*IssuerRecord, error)
	// Issuers returns every issuer, roots first, then by name.
	Issuers(ctx context.Context) ([]IssuerRecord, error)
	// ReplaceIssuerCert records cert, a renewal of the certificate of the
	// intermediate name (cert.RenewalOf is its serial, cert.Issuer its
	// parent), links the two as AddCertificates links a renewal, and makes
	// cert the issuer's certificate, in one transaction: ErrNotFound for an
	// unknown issuer, ErrUsage for a root, ErrExists when the issuer's
	// certificate is no longer cert.RenewalOf or was renewed already,
	// ErrRefused when it is revoked, ErrSerialExists when the serial is taken.
	ReplaceIssuerCert(ctx context.Context, name string, cert *CertRecord) error

	// AddCertificates records certs in one transaction, each only if its
	// serial is new across the home. It returns one error per cert: nil when
	// recorded, ErrSerialExists when the serial was taken (nothing recorded
	// for that cert; the others are). The error return is for the
	// transaction as a whole, in which case nothing was recorded.
	AddCertificates(ctx context.Context, certs []*CertRecord) ([]error, error)
	// Certificate returns the certificate with this serial, or ErrNotFound.
	Certificate(ctx context.Context, serial *big.Int) (*CertRecord, error)
	// Certificates calls fn for each certificate q selects, in the order
	// q.Order names (ties by serial), until fn returns an error.
	Certificates(ctx context.Context, q Query, fn func(*CertRecord) error) error

	// Revoke revokes every serial in revs in one transaction, or none: ErrNotFound
	// when a serial is unknown, ErrAlreadyRevoked when one was revoked before
	// (both wrapped with the serial). It returns revs with Issuer and NotAfter filled.
	Revoke(ctx context.Context, revs []Revocation) ([]Revocation, error)
	// Revocations calls fn for each revocation of the issuer, in serial order.
	Revocations(ctx context.Context, issuer string, fn func(*Revocation) error) error

	// AddCRL records an exported CRL. Its Number must be one above the last
	// for its issuer (1 for the first); otherwise ErrCRLNumber.
	AddCRL(ctx context.Context, crl *CRLRecord) error
	// LastCRL returns the issuer's last exported complete CRL (not a
	// delta, not a shard's), or ErrNotFound.
	LastCRL(ctx context.Context, issuer string) (*CRLRecord, error)
	// LastShardCRL returns the last exported CRL of the issuer's shard
	// (CRLRecord.Shard), or ErrNotFound.
	LastShardCRL(ctx context.Context, issuer string, shard int) (*CRLRecord, error)
	// CRLNumber returns the highest CRL number the issuer used, complete
	// or delta (one sequence, RFC 5280, 5.2.3); 0 when it exported none.
	CRLNumber(ctx context.Context, issuer string) (*big.Int, error)

	// SetIssuerURLs records the publication URLs of the named issuer,
	// replacing what was recorded, with an audit record: ErrNotFound when
	// there is no such issuer.
	SetIssuerURLs(ctx context.Context, name string, urls IssuerURLs) error
	// IssuerURLs returns the recorded publication URLs of the named issuer;
	// zero when none were recorded, ErrNotFound when there is no such issuer.
	IssuerURLs(ctx context.Context, name string) (IssuerURLs, error)

	// SetPolicy records the policy of the named issuer (its canonical
	// JSON), replacing what was recorded, with an audit record
	// ("policy-set"): ErrNotFound when there is no such issuer. With adopt
	// it records the policy only when none is recorded (ErrExists
	// otherwise), audited as "policy-adopt": a home made before policies
	// were recorded adopts its policy.json once.
	SetPolicy(ctx context.Context, name string, policy []byte, adopt bool) error
	// Policy returns the recorded policy of the named issuer; nil when none
	// was recorded, ErrNotFound when there is no such issuer.
	Policy(ctx context.Context, name string) ([]byte, error)

	// Close releases the store.
	Close() error
}
