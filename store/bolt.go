// Package store holds the implementations of ca.Store: Bolt, a bbolt file in
// the home (the default). Every implementation passes the conformance suite
// in this package's tests.
//
// It owns how records are laid out and kept consistent; it does not sign,
// judge requests or write certificate files.
package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// SchemaVersion is the layout version this package reads and writes.
const SchemaVersion = 1

// ErrLocked is returned by Open when another process holds the store past the timeout.
var ErrLocked = errors.New("store: locked")

// ErrCorrupt is returned for a store whose records do not decode or disagree.
var ErrCorrupt = errors.New("store: inconsistent")

// ErrNotRegular is returned by Open when the store's path is a FIFO, a
// device, a directory or a socket (or a symlink to one): it is refused at
// once, never opened in a way that could wait.
var ErrNotRegular = errors.New("store: not a regular file")

var (
	bucketMeta     = []byte("meta")
	bucketIssuers  = []byte("issuers")
	bucketCerts    = []byte("certs")    // serial -> certificate record
	bucketByIssuer = []byte("byIssuer") // issuer / serial -> nil
	bucketExpiry   = []byte("expiry")   // notAfter (8) + serial -> nil
	bucketIssued   = []byte("issued")   // notBefore (8) + serial -> nil (built on a write open when missing)
	bucketRevoked  = []byte("revoked")  // issuer / serial -> revocation
	bucketCRLs     = []byte("crls")     // issuer / number (8) -> CRL record
	bucketAudit    = []byte("audit")    // seq (8) -> audit record
	keySchema      = []byte("schema")
)

var topBuckets = [][]byte{bucketMeta, bucketIssuers, bucketCerts, bucketByIssuer, bucketExpiry, bucketRevoked, bucketCRLs, bucketAudit}

// Options configure Open.
type Options struct {
	// Timeout is how long to wait for the file lock; 0 means 10s.
	Timeout time.Duration
	// ReadOnly opens with a shared lock; writes fail.
	ReadOnly bool
	// Create makes a new store in a missing, empty or empty bbolt file;
	// without it a missing file is ca.ErrNotFound and a file that is not a
	// ca store (an empty one too) is ErrCorrupt, never written.
	Create bool
	// Actor is written into the audit record of every change.
	Actor ca.Actor
	// Now is the audit clock; nil means time.Now.
	Now func() time.Time
	// NoSync skips fsync on commit. For benchmarks of everything else only.
	NoSync bool
}

func notRegular(path string, m fs.FileMode) error {
	what := "special file (a FIFO, device or socket)"
	if m.IsDir() {
		what = "directory"
	} else if m&fs.ModeNamedPipe != 0 {
		what = "FIFO"
	}
	return fmt.Errorf("%w: %s is a %s, not a ca store; point --home or CA_HOME at a home whose ca.db is a file", ErrNotRegular, path, what)
}

// Bolt is a ca.Store in one bbolt file.
type Bolt struct {
	db    *bolt.DB
	file  *os.File   // bbolt's file, read by the pre-write check
	write sync.Mutex // serialises update, which sets db.MaxSize
	path  string
	actor ca.Actor
	now   func() time.Time
}

var _ ca.Store = (*Bolt)(nil)

// errEmptyFile is what Open's file opener returns for an empty file when
// it may not create a store; Open reports it as ErrCorrupt.
var errEmptyFile = errors.New("empty file")

// Open opens the bbolt store at path, waiting up to opts.Timeout for the file
// lock (ErrLocked after that). The file is created (mode 0600), and a store
// laid out in it, only with opts.Create, and only in a missing, empty (0
// bytes) or empty bbolt file. Otherwise a missing file is ca.ErrNotFound, and
// a file that is not a ca store (empty, not bbolt, or without the schema
// version) is ErrCorrupt and left as it is. Under the lock and before bbolt
// reads it, the file is checked (checkFile): a damaged one is ErrCorrupt,
// naming the damage.
func Open(path string, opts Options) (*Bolt, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !opts.Create:
		return nil, fmt.Errorf("%w: no CA home: %s does not exist (create one with \"ca init --cn NAME\", or point --home or CA_HOME at one)", ca.ErrNotFound, path)
	case err == nil && !fi.Mode().IsRegular():
		return nil, notRegular(path, fi.Mode())
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	o := &fileOpener{exclusive: !opts.ReadOnly, create: opts.Create, timeout: timeout}
	// The opener takes the lock and checks the file before bbolt reads it;
	// bbolt's own lock on the same file then succeeds at once.
	bopts := &bolt.Options{Timeout: timeout, ReadOnly: opts.ReadOnly, NoSync: opts.NoSync, OpenFile: o.open}
	var db *bolt.DB
	err = recoverDamage(path, func() (err error) {
		db, err = bolt.Open(path, 0o600, bopts)
		return err
	})
	if err := openError(path, timeout, err); err != nil {
		return nil, err
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	b := &Bolt{db: db, file: o.file, path: path, actor: opts.Actor, now: now}
	if err := recoverDamage(path, func() error { return b.init(opts.Create && !opts.ReadOnly) }); err != nil {
		db.Close()
		return nil, err
	}
	if !opts.ReadOnly {
		if err := recoverDamage(path, b.buildIssued); err != nil {
			db.Close()
			return nil, err
		}
	}
	return b, nil
}

// init checks the schema version; with create, it first lays out a new
// store in a file that holds no buckets yet.
func (b *Bolt) init(create bool) error {
	check := func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return fmt.Errorf("%w: %s has no schema version: it is not a ca store, or it is damaged; restore it from a backup (see docs/operations.md)", ErrCorrupt, b.path)
		}
		v := meta.Get(keySchema)
		if n, err := strconv.Atoi(string(v)); err != nil || n < 1 || fmt.Sprint(n) != string(v) {
			return fmt.Errorf("%w: %s has a damaged schema version %q; %s", ErrCorrupt, b.path, v, restoreIt)
		} else if n != SchemaVersion {
			return fmt.Errorf("%w: %s has schema version %q; this ca reads version %d (use the ca that wrote it; if none did, the store is damaged: restore it from a backup, see docs/operations.md)", ErrCorrupt, b.path, v, SchemaVersion)
		}
		return nil
	}
	if err := b.db.View(check); err == nil || !create {
		return err
	}
	return b.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) != nil {
			return check(tx)
		}
		if name, _ := tx.Cursor().First(); name != nil {
			return fmt.Errorf("%w: %s holds bucket %q but no schema version: it is another program's bbolt file, not a ca store; choose another home", ErrCorrupt, b.path, name)
		}
		for _, name := range topBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("store: create bucket %s: %w", name, err)
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchema, []byte(fmt.Sprint(SchemaVersion)))
	})
}

// Path returns the file the store is in.
func (b *Bolt) Path() string { return b.path }

// Close releases the file lock.
func (b *Bolt) Close() error { return b.db.Close() }

type certJSON struct {
	Issuer    string    `json:"issuer"`
	Subject   string    `json:"subject"`
	SANs      []string  `json:"sans"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	Profile   string    `json:"profile"`
	DER       []byte    `json:"der"`
	RenewalOf string    `json:"renewalOf,omitempty"` // hex serial
	RenewedBy string    `json:"renewedBy,omitempty"` // hex serial
	KeyHeld   bool      `json:"keyHeld,omitempty"`
}

type revJSON struct {
	Issuer         string    `json:"issuer"`
	NotAfter       time.Time `json:"notAfter"`
	RevokedAt      time.Time `json:"revokedAt"`
	Reason         ca.Reason `json:"reason"`
	InvalidityDate time.Time `json:"invalidityDate"`
}

type issuerJSON struct {
	Parent string `json:"parent"`
	Serial string `json:"serial"`
	DER    []byte `json:"der"`
}

type crlJSON struct {
	Number     string    `json:"number"`
	ThisUpdate time.Time `json:"thisUpdate"`
	NextUpdate time.Time `json:"nextUpdate"`
	Entries    int       `json:"entries"`
	DER        []byte    `json:"der,omitempty"`
	DeltaOf    string    `json:"deltaOf,omitempty"` // base CRL number of a delta CRL
	Shard      *int      `json:"shard,omitempty"`   // the shard of a shard's CRL
}

func serialKey(s *big.Int) ([]byte, error) {
	k, ok := ca.SerialKey(s)
	if !ok {
		return nil, fmt.Errorf("%w: serial %s", ca.ErrNotFound, ca.FormatSerial(s))
	}
	return k, nil
}

func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

func expiryKey(notAfter time.Time, serial []byte) []byte {
	return append(u64(uint64(notAfter.Unix())), serial...)
}

// AddIssuer implements ca.Store.
func (b *Bolt) AddIssuer(ctx context.Context, iss ca.IssuerRecord, cert *ca.CertRecord) error {
	return b.update(ctx, 2*(len(iss.DER)+len(cert.DER))+1024, func(tx *bolt.Tx) error {
		issuers := tx.Bucket(bucketIssuers)
		if issuers.Get([]byte(iss.Name)) != nil {
			return fmt.Errorf("%w: issuer %q", ca.ErrExists, iss.Name)
		}
		if iss.Parent != "" && issuers.Get([]byte(iss.Parent)) == nil {
			return fmt.Errorf("%w: parent issuer %q", ca.ErrNotFound, iss.Parent)
		}
		v, err := json.Marshal(issuerJSON{Parent: iss.Parent, Serial: ca.FormatSerial(iss.Serial), DER: iss.DER})
		if err != nil {
			return err
		}
		if err := putCert(tx, cert); err != nil {
			return err
		}
		if err := issuers.Put([]byte(iss.Name), v); err != nil {
			return err
		}
		if !iss.URLs.IsZero() {
			if err := putURLs(tx, iss.Name, iss.URLs); err != nil {
				return err
			}
		}
		if iss.Policy != nil {
			if err := putPolicy(tx, iss.Name, iss.Policy); err != nil {
				return err
			}
		}
		return b.audit(tx, "add-issuer", iss.Name, []string{ca.FormatSerial(cert.Serial)})
	})
}

// putCert records one certificate if its serial is new (ca.ErrSerialExists otherwise).
func putCert(tx *bolt.Tx, c *ca.CertRecord) error {
	e, err := encodeCert(c)
	if err != nil {
		return err
	}
	return putEncoded(tx, c, e)
}

// encodedCert is a certificate record as the store keeps it: encoded
// before the transaction that records it, so that the transaction only
// checks and puts.
type encodedCert struct{ key, value []byte }

func encodeCert(c *ca.CertRecord) (encodedCert, error) {
	key, err := serialKey(c.Serial)
	if err != nil {
		return encodedCert{}, err
	}
	v, err := json.Marshal(certJSON{Issuer: c.Issuer, Subject: c.Subject, SANs: c.SANs, NotBefore: c.NotBefore, NotAfter: c.NotAfter, Profile: c.Profile, DER: c.DER,
		RenewalOf: serialHex(c.RenewalOf), RenewedBy: serialHex(c.RenewedBy), KeyHeld: c.KeyHeld})
	if err != nil {
		return encodedCert{}, err
	}
	return encodedCert{key, v}, nil
}

// putEncoded records c, encoded as e, if its serial is new.
func putEncoded(tx *bolt.Tx, c *ca.CertRecord, e encodedCert) error {
	key := e.key
	certs := tx.Bucket(bucketCerts)
	if certs.Get(key) != nil {
		return ca.ErrSerialExists
	}
	if err := certs.Put(key, e.value); err != nil {
		return err
	}
	byIssuer, err := tx.Bucket(bucketByIssuer).CreateBucketIfNotExists([]byte(c.Issuer))
	if err != nil {
		return err
	}
	if err := byIssuer.Put(key, nil); err != nil {
		return err
	}
	if err := tx.Bucket(bucketExpiry).Put(expiryKey(c.NotAfter, key), nil); err != nil {
		return err
	}
	if issued := tx.Bucket(bucketIssued); issued != nil {
		return issued.Put(expiryKey(c.NotBefore, key), nil)
	}
	return nil
}

// Issuer implements ca.Store.
func (b *Bolt) Issuer(ctx context.Context, name string) (*ca.IssuerRecord, error) {
	var rec *ca.IssuerRecord
	err := b.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketIssuers).Get([]byte(name))
		if v == nil {
			return fmt.Errorf("%w: issuer %q (see \"ca list\" or the home's issuers/ directory)", ca.ErrNotFound, name)
		}
		var err error
		rec, err = decodeIssuer(name, v)
		return err
	})
	return rec, err
}

func decodeIssuer(name string, v []byte) (*ca.IssuerRecord, error) {
	var j issuerJSON
	if err := json.Unmarshal(v, &j); err != nil {
		return nil, fmt.Errorf("%w: issuer %q: %v", ErrCorrupt, name, err)
	}
	serial, err := ca.ParseSerial(j.Serial)
	if err != nil {
		return nil, fmt.Errorf("%w: issuer %q: %v", ErrCorrupt, name, err)
	}
	return &ca.IssuerRecord{Name: name, Parent: j.Parent, Serial: serial, DER: j.DER}, nil
}

// Issuers implements ca.Store.
func (b *Bolt) Issuers(ctx context.Context) ([]ca.IssuerRecord, error) {
	var roots, others []ca.IssuerRecord
	err := b.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketIssuers).ForEach(func(k, v []byte) error {
			rec, err := decodeIssuer(string(k), v)
			if err != nil {
				return err
			}
			if rec.Parent == "" {
				roots = append(roots, *rec)
			} else {
				others = append(others, *rec)
			}
			return nil
		})
	})
	return append(roots, others...), err
}

// AddCertificates implements ca.Store.
func (b *Bolt) AddCertificates(ctx context.Context, certs []*ca.CertRecord) ([]error, error) {
	errs := make([]error, len(certs))
	encoded := make([]encodedCert, len(certs))
	for i, c := range certs {
		var err error
		if encoded[i], err = encodeCert(c); err != nil {
			return nil, err
		}
	}
	err := b.update(ctx, encodedSize(encoded), func(tx *bolt.Tx) error {
		var superseded []string
		for i, c := range certs {
			old, err := checkRenewal(tx, c)
			if err != nil {
				errs[i] = err
				continue
			}
			errs[i] = putEncoded(tx, c, encoded[i])
			if errs[i] != nil && !errors.Is(errs[i], ca.ErrSerialExists) {
				return errs[i]
			}
			if errs[i] == nil && old != nil {
				if err := linkRenewal(tx, c, old, b.now()); err != nil {
					return err
				}
				if c.RevokeRenewed {
					superseded = append(superseded, ca.FormatSerial(c.RenewalOf))
				}
			}
		}
		issuer, serials := issuedAudit(certs, errs)
		if len(serials) == 0 {
			return nil
		}
		if err := b.audit(tx, "issue", issuer, serials); err != nil {
			return err
		}
		if len(superseded) == 0 {
			return nil
		}
		return b.audit(tx, "revoke", issuer, superseded)
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}

// encodedSize is how many bytes the records and their index entries take.
func encodedSize(certs []encodedCert) int {
	n := 0
	for _, e := range certs {
		n += len(e.value) + 3*len(e.key) + 8
	}
	return n
}

// view runs fn in a read transaction, in safely.
func (b *Bolt) view(fn func(*bolt.Tx) error) error {
	return b.safely(func() error { return b.db.View(fn) })
}

// Certificate implements ca.Store.
func (b *Bolt) Certificate(ctx context.Context, serial *big.Int) (*ca.CertRecord, error) {
	var rec *ca.CertRecord
	err := b.view(func(tx *bolt.Tx) error {
		key, err := serialKey(serial)
		if err != nil {
			return err
		}
		v := tx.Bucket(bucketCerts).Get(key)
		if v == nil {
			return fmt.Errorf("%w: serial %s is not in this home (see \"ca list\")", ca.ErrNotFound, ca.FormatSerial(serial))
		}
		rec, err = decodeCert(tx, key, v)
		return err
	})
	return rec, err
}

func decodeCert(tx *bolt.Tx, key, v []byte) (*ca.CertRecord, error) {
	var j certJSON
	if err := json.Unmarshal(v, &j); err != nil {
		return nil, fmt.Errorf("%w: certificate %x: %v", ErrCorrupt, key, err)
	}
	rec := &ca.CertRecord{
		Serial: new(big.Int).SetBytes(key), Issuer: j.Issuer, Subject: j.Subject, SANs: j.SANs,
		NotBefore: j.NotBefore, NotAfter: j.NotAfter, Profile: j.Profile, DER: j.DER, KeyHeld: j.KeyHeld,
	}
	var err error
	if rec.RenewalOf, err = parseSerialHex(j.RenewalOf); err != nil {
		return nil, fmt.Errorf("%w: certificate %x: renewalOf: %v", ErrCorrupt, key, err)
	}
	if rec.RenewedBy, err = parseSerialHex(j.RenewedBy); err != nil {
		return nil, fmt.Errorf("%w: certificate %x: renewedBy: %v", ErrCorrupt, key, err)
	}
	if rb := tx.Bucket(bucketRevoked).Bucket([]byte(j.Issuer)); rb != nil {
		if rv := rb.Get(key); rv != nil {
			r, err := decodeRevocation(key, rv)
			if err != nil {
				return nil, err
			}
			rec.Revocation = r
		}
	}
	return rec, nil
}

// Certificates implements ca.Store. Every order streams from an index:
// certs (serial), issued (notBefore) or expiry (notAfter); q.Issuer
// alone in serial order walks that issuer's index. q.NotAfterFrom and
// q.NotAfterBefore walk the expiry index from one to the other, and in
// an order other than notAfter hold the keys of the selected records to
// sort them (expiring); q.Revoked holds the selected records of the
// revocation index to sort them. A store without the issued
// index (opened read-only before a write open built it) sorts the
// serials of a notBefore order in memory.
func (b *Bolt) Certificates(ctx context.Context, q ca.Query, fn func(*ca.CertRecord) error) error {
	subject := strings.ToLower(q.Subject)
	return b.view(func(tx *bolt.Tx) error {
		certs, n := tx.Bucket(bucketCerts), 0
		visitWith := func(fn func(*ca.CertRecord) error) func([]byte) error {
			return func(key []byte) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				if n++; n%releaseEvery == 0 {
					releaseMapped(b.db, tx) // memory flat however many records
				}
				v := certs.Get(key)
				if v == nil {
					return fmt.Errorf("%w: index names serial %x, which has no record", ErrCorrupt, key)
				}
				rec, err := decodeCert(tx, key, v)
				if err != nil {
					return err
				}
				if q.Issuer != "" && rec.Issuer != q.Issuer {
					return nil
				}
				if subject != "" && !matchesText(rec, subject) {
					return nil
				}
				return fn(rec)
			}
		}
		visit := visitWith(fn)
		switch {
		case q.Revoked:
			return revokedOnly(tx, q, visitWith, fn)
		case !q.NotAfterBefore.IsZero() || !q.NotAfterFrom.IsZero():
			return expiring(tx, q, visitWith, fn)
		case q.Order == ca.SortNotAfter:
			return tx.Bucket(bucketExpiry).ForEach(func(k, _ []byte) error { return visit(k[8:]) })
		case q.Order == ca.SortNotBefore:
			return byNotBefore(tx, visit)
		case q.Issuer != "":
			bi := tx.Bucket(bucketByIssuer).Bucket([]byte(q.Issuer))
			if bi == nil {
				return nil
			}
			return bi.ForEach(func(k, _ []byte) error { return visit(k) })
		default:
			return certs.ForEach(func(k, _ []byte) error { return visit(k) })
		}
	})
}

// expiring visits the certificates whose notAfter is from
// q.NotAfterFrom and before q.NotAfterBefore (to the second; a zero time
// bounds nothing), from the expiry index. In an order other than notAfter
// it holds the sortKey of each one visit selects, sorts them and visits
// those certificates again: 28 bytes each, not the records.
func expiring(tx *bolt.Tx, q ca.Query, visitWith func(func(*ca.CertRecord) error) func([]byte) error, fn func(*ca.CertRecord) error) error {
	if q.Order == "" {
		q.Order = ca.SortNotAfter
	}
	var held []sortKey
	visit := visitWith(fn)
	if q.Order != ca.SortNotAfter {
		visit = visitWith(func(r *ca.CertRecord) error {
			k, err := serialKey(r.Serial)
			var sk sortKey // serial order: 8 zero bytes, then the serial
			if q.Order == ca.SortNotBefore {
				copy(sk[:8], u64(uint64(r.NotBefore.Unix())))
			}
			copy(sk[8:], k)
			held = append(held, sk)
			return err
		})
	}
	c := tx.Bucket(bucketExpiry).Cursor()
	k, _ := c.First()
	if !q.NotAfterFrom.IsZero() {
		k, _ = c.Seek(u64(uint64(q.NotAfterFrom.Unix())))
	}
	bound := u64(uint64(q.NotAfterBefore.Unix()))
	for ; k != nil && (q.NotAfterBefore.IsZero() || bytes.Compare(k[:8], bound) < 0); k, _ = c.Next() {
		if err := visit(bytes.Clone(k[8:])); err != nil {
			return err
		}
	}
	if q.Order == ca.SortNotAfter {
		return nil
	}
	slices.SortFunc(held, func(a, b sortKey) int { return bytes.Compare(a[:], b[:]) })
	visit = visitWith(fn)
	for i := range held {
		if err := visit(held[i][8:]); err != nil {
			return err
		}
	}
	return nil
}

// sortKey is a certificate's place in an order held in memory: notBefore
// (8 bytes, or zero for serial order) and serial, as the issued index's
// keys; 28 bytes, no pointer.
type sortKey [8 + ca.SerialBytes]byte

// sortHeld calls fn with each of held in order (ties by serial).
func sortHeld(held []*ca.CertRecord, order string, fn func(*ca.CertRecord) error) error {
	slices.SortStableFunc(held, func(a, b *ca.CertRecord) int {
		c := 0
		switch order {
		case ca.SortNotBefore:
			c = a.NotBefore.Compare(b.NotBefore)
		case ca.SortNotAfter:
			c = a.NotAfter.Compare(b.NotAfter)
		}
		if c != 0 {
			return c
		}
		return a.Serial.Cmp(b.Serial)
	})
	for _, r := range held {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// revokedOnly visits the revoked certificates (q.Revoked), from the
// revocation index (of q.Issuer only, when set): it holds the ones it
// selects to put them in q.Order.
func revokedOnly(tx *bolt.Tx, q ca.Query, visitWith func(func(*ca.CertRecord) error) func([]byte) error, fn func(*ca.CertRecord) error) error {
	var held []*ca.CertRecord
	visit := visitWith(func(r *ca.CertRecord) error {
		if (q.NotAfterBefore.IsZero() || r.NotAfter.Unix() < q.NotAfterBefore.Unix()) &&
			(q.NotAfterFrom.IsZero() || r.NotAfter.Unix() >= q.NotAfterFrom.Unix()) {
			held = append(held, r)
		}
		return nil
	})
	if q.Order == "" && (!q.NotAfterBefore.IsZero() || !q.NotAfterFrom.IsZero()) {
		q.Order = ca.SortNotAfter
	}
	revoked := tx.Bucket(bucketRevoked)
	err := revoked.ForEachBucket(func(issuer []byte) error {
		if q.Issuer != "" && q.Issuer != string(issuer) {
			return nil
		}
		return revoked.Bucket(issuer).ForEach(func(k, _ []byte) error { return visit(k) })
	})
	if err != nil {
		return err
	}
	return sortHeld(held, q.Order, fn)
}

// byNotBefore visits every certificate by notBefore, from the issued
// index or, when the store has none yet, by sorting the keys of the
// certificates (notBefore and serial, not the records) in memory.
func byNotBefore(tx *bolt.Tx, visit func([]byte) error) error {
	if issued := tx.Bucket(bucketIssued); issued != nil {
		return issued.ForEach(func(k, _ []byte) error { return visit(k[8:]) })
	}
	var keys [][]byte
	err := tx.Bucket(bucketCerts).ForEach(func(k, v []byte) error {
		var c struct {
			NotBefore time.Time `json:"notBefore"`
		}
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("%w: certificate %x: %v", ErrCorrupt, k, err)
		}
		keys = append(keys, expiryKey(c.NotBefore, k))
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(keys, bytes.Compare)
	for _, k := range keys {
		if err := visit(k[8:]); err != nil {
			return err
		}
	}
	return nil
}

// buildIssued builds the issued index of a store written before it, in
// one transaction; a store that has it is left as it is.
func (b *Bolt) buildIssued() error {
	if b.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketIssued) != nil || tx.Bucket(bucketCerts) == nil {
			return errSkip
		}
		return nil
	}) == errSkip {
		return nil
	}
	return b.db.Update(func(tx *bolt.Tx) error {
		issued, err := tx.CreateBucketIfNotExists(bucketIssued)
		if err != nil {
			return fmt.Errorf("store: create bucket %s: %w", bucketIssued, err)
		}
		return tx.Bucket(bucketCerts).ForEach(func(k, v []byte) error {
			var c struct {
				NotBefore time.Time `json:"notBefore"`
			}
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("%w: certificate %x: %v", ErrCorrupt, k, err)
			}
			return issued.Put(expiryKey(c.NotBefore, k), nil)
		})
	})
}

var errSkip = errors.New("skip")

func matchesText(rec *ca.CertRecord, lower string) bool {
	if strings.Contains(strings.ToLower(rec.Subject), lower) {
		return true
	}
	for _, s := range rec.SANs {
		if strings.Contains(strings.ToLower(s), lower) {
			return true
		}
	}
	return false
}

// Revoke implements ca.Store.
func (b *Bolt) Revoke(ctx context.Context, revs []ca.Revocation) ([]ca.Revocation, error) {
	out := make([]ca.Revocation, len(revs))
	err := b.update(ctx, 256*len(revs), func(tx *bolt.Tx) error {
		serials := make([]string, len(revs))
		issuers := map[string]bool{}
		for i, r := range revs {
			key, err := serialKey(r.Serial)
			if err != nil {
				return err
			}
			v := tx.Bucket(bucketCerts).Get(key)
			if v == nil {
				return fmt.Errorf("%w: serial %s is not in this home (see \"ca list\"); nothing was revoked", ca.ErrNotFound, ca.FormatSerial(r.Serial))
			}
			var c certJSON
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("%w: certificate %x: %v", ErrCorrupt, key, err)
			}
			rb, err := tx.Bucket(bucketRevoked).CreateBucketIfNotExists([]byte(c.Issuer))
			if err != nil {
				return err
			}
			if rb.Get(key) != nil {
				return fmt.Errorf("%w: serial %s; nothing was revoked", ca.ErrAlreadyRevoked, ca.FormatSerial(r.Serial))
			}
			r.Issuer, r.NotAfter = c.Issuer, c.NotAfter
			rv, err := encodeRevocation(&r)
			if err != nil {
				return err
			}
			if err := rb.Put(key, rv); err != nil {
				return err
			}
			out[i] = r
			serials[i] = ca.FormatSerial(r.Serial)
			issuers[c.Issuer] = true
		}
		issuer := "*"
		if len(issuers) == 1 {
			for k := range issuers {
				issuer = k
			}
		}
		return b.audit(tx, "revoke", issuer, serials)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// revBinary marks the compact revocation encoding. Revocations are what a
// CRL export reads, all of them, every time, so they are kept small and
// cheap to decode: the marker, the reason, the issuer, then notAfter,
// revokedAt and the invalidity date (empty when none) in time.Time's binary
// form, each behind its length. Records written as JSON (which starts with
// '{') still decode.
const revBinary = 0x01

func encodeRevocation(r *ca.Revocation) ([]byte, error) {
	out := make([]byte, 0, 64+len(r.Issuer))
	out = append(out, revBinary)
	out = binary.AppendUvarint(out, uint64(r.Reason))
	out = binary.AppendUvarint(out, uint64(len(r.Issuer)))
	out = append(out, r.Issuer...)
	for _, t := range []time.Time{r.NotAfter.UTC(), r.RevokedAt.UTC(), r.InvalidityDate.UTC()} {
		if t.IsZero() {
			out = append(out, 0)
			continue
		}
		tb, err := t.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("store: encode revocation time: %w", err)
		}
		out = append(out, byte(len(tb)))
		out = append(out, tb...)
	}
	return out, nil
}

func decodeRevocation(key, v []byte) (*ca.Revocation, error) {
	if len(v) > 0 && v[0] == revBinary {
		return decodeRevocationBinary(key, v[1:])
	}
	var j revJSON
	if err := json.Unmarshal(v, &j); err != nil {
		return nil, fmt.Errorf("%w: revocation %x: %v", ErrCorrupt, key, err)
	}
	r := &ca.Revocation{Serial: new(big.Int).SetBytes(key), Issuer: j.Issuer, NotAfter: j.NotAfter, RevokedAt: j.RevokedAt, Reason: j.Reason}
	if !j.InvalidityDate.IsZero() && j.InvalidityDate.Year() > 1 {
		r.InvalidityDate = j.InvalidityDate
	}
	return r, nil
}

func decodeRevocationBinary(key, v []byte) (*ca.Revocation, error) {
	bad := func(what string) (*ca.Revocation, error) {
		return nil, fmt.Errorf("%w: revocation %x: %s", ErrCorrupt, key, what)
	}
	reason, n := binary.Uvarint(v)
	if n <= 0 || reason > 10 {
		return bad("bad reason")
	}
	v = v[n:]
	l, n := binary.Uvarint(v)
	if n <= 0 || uint64(len(v)-n) < l {
		return bad("bad issuer")
	}
	r := &ca.Revocation{Serial: new(big.Int).SetBytes(key), Issuer: string(v[n : n+int(l)]), Reason: ca.Reason(reason)}
	v = v[n+int(l):]
	for _, t := range []*time.Time{&r.NotAfter, &r.RevokedAt, &r.InvalidityDate} {
		if len(v) == 0 || len(v) < 1+int(v[0]) {
			return bad("truncated")
		}
		if l := int(v[0]); l > 0 {
			if err := t.UnmarshalBinary(v[1 : 1+l]); err != nil {
				return bad(err.Error())
			}
		}
		v = v[1+int(v[0]):]
	}
	if len(v) != 0 {
		return bad("trailing data")
	}
	return r, nil
}

// Revocations implements ca.Store.
func (b *Bolt) Revocations(ctx context.Context, issuer string, fn func(*ca.Revocation) error) error {
	return b.view(func(tx *bolt.Tx) error {
		rb := tx.Bucket(bucketRevoked).Bucket([]byte(issuer))
		if rb == nil {
			return nil
		}
		return rb.ForEach(func(k, v []byte) error {
			r, err := decodeRevocation(k, v)
			if err != nil {
				return err
			}
			return fn(r)
		})
	})
}

// AddCRL implements ca.Store.
func (b *Bolt) AddCRL(ctx context.Context, crl *ca.CRLRecord) error {
	return b.update(ctx, len(crl.DER)+1024, func(tx *bolt.Tx) error {
		cb, err := tx.Bucket(bucketCRLs).CreateBucketIfNotExists([]byte(crl.Issuer))
		if err != nil {
			return err
		}
		var last uint64
		if k, _ := cb.Cursor().Last(); k != nil {
			last = binary.BigEndian.Uint64(k)
		}
		if !crl.Number.IsUint64() || crl.Number.Uint64() != last+1 {
			return fmt.Errorf("%w: CRL number %s for issuer %s, the last is %d", ca.ErrCRLNumber, crl.Number, crl.Issuer, last)
		}
		v, err := encodeCRL(crl)
		if err != nil {
			return err
		}
		if err := cb.Put(u64(last+1), v); err != nil {
			return err
		}
		return b.audit(tx, "crl", crl.Issuer, []string{})
	})
}

// LastCRL implements ca.Store.
func (b *Bolt) LastCRL(ctx context.Context, issuer string) (*ca.CRLRecord, error) {
	rec, err := b.lastCRLWhere(issuer, func(r *ca.CRLRecord) bool { return r.DeltaOf == nil && r.Shard == nil })
	if rec == nil && err == nil {
		err = fmt.Errorf("%w: issuer %s has exported no CRL yet (run \"ca crl export --issuer %s\")", ca.ErrNotFound, issuer, issuer)
	}
	return rec, err
}

// LastShardCRL implements ca.Store: the shards of one export are next to
// each other at the end, so the walk back is short.
func (b *Bolt) LastShardCRL(ctx context.Context, issuer string, shard int) (*ca.CRLRecord, error) {
	rec, err := b.lastCRLWhere(issuer, func(r *ca.CRLRecord) bool { return r.Shard != nil && *r.Shard == shard })
	if rec == nil && err == nil {
		err = fmt.Errorf("%w: issuer %s has exported no CRL of shard %d yet (run \"ca crl export --issuer %s --all-shards --out-dir DIR\")", ca.ErrNotFound, issuer, shard, issuer)
	}
	return rec, err
}

// lastCRLWhere walks the issuer's CRLs back from the newest and returns
// the first that keep accepts; nil when there is none.
func (b *Bolt) lastCRLWhere(issuer string, keep func(*ca.CRLRecord) bool) (*ca.CRLRecord, error) {
	var rec *ca.CRLRecord
	err := b.view(func(tx *bolt.Tx) error {
		cb := tx.Bucket(bucketCRLs).Bucket([]byte(issuer))
		if cb == nil {
			return nil
		}
		c := cb.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			r, err := decodeCRL(issuer, k, v)
			if err != nil {
				return err
			}
			if keep(r) {
				rec = r
				return nil
			}
		}
		return nil
	})
	return rec, err
}

// CRLNumber implements ca.Store.
func (b *Bolt) CRLNumber(ctx context.Context, issuer string) (*big.Int, error) {
	n := new(big.Int)
	err := b.view(func(tx *bolt.Tx) error {
		if cb := tx.Bucket(bucketCRLs).Bucket([]byte(issuer)); cb != nil {
			if k, _ := cb.Cursor().Last(); len(k) == 8 {
				n.SetUint64(binary.BigEndian.Uint64(k))
			}
		}
		return nil
	})
	return n, err
}

// crlBinary marks the CRL record encoding: the marker, the length of the
// JSON of the fields but the DER, that JSON, then the DER as is. A CRL of
// 100k entries is megabytes of DER that a JSON string would have to
// base64-encode and scan on every export. Records written as JSON (which
// starts with '{') still decode.
const crlBinary = 0x01

func encodeCRL(crl *ca.CRLRecord) ([]byte, error) {
	j := crlJSON{Number: crl.Number.String(), ThisUpdate: crl.ThisUpdate.UTC(), NextUpdate: crl.NextUpdate.UTC(), Entries: crl.Entries, Shard: crl.Shard}
	if crl.DeltaOf != nil {
		j.DeltaOf = crl.DeltaOf.String()
	}
	meta, err := json.Marshal(j)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 1+binary.MaxVarintLen64+len(meta)+len(crl.DER))
	out = append(out, crlBinary)
	out = binary.AppendUvarint(out, uint64(len(meta)))
	out = append(out, meta...)
	return append(out, crl.DER...), nil
}

// decodeCRL decodes a CRL record; the result holds no memory of v.
func decodeCRL(issuer string, k, v []byte) (*ca.CRLRecord, error) {
	var j crlJSON
	if len(v) > 0 && v[0] == crlBinary {
		l, n := binary.Uvarint(v[1:])
		if n <= 0 || uint64(len(v)-1-n) < l {
			return nil, fmt.Errorf("%w: CRL %x of %s: truncated record", ErrCorrupt, k, issuer)
		}
		meta := v[1+n : 1+n+int(l)]
		if err := json.Unmarshal(meta, &j); err != nil {
			return nil, fmt.Errorf("%w: CRL %x of %s: %v", ErrCorrupt, k, issuer, err)
		}
		j.DER = bytes.Clone(v[1+n+int(l):])
	} else if err := json.Unmarshal(v, &j); err != nil {
		return nil, fmt.Errorf("%w: CRL %x of %s: %v", ErrCorrupt, k, issuer, err)
	}
	n, ok := new(big.Int).SetString(j.Number, 10)
	if !ok || !n.IsUint64() || n.Uint64() != binary.BigEndian.Uint64(k) {
		return nil, fmt.Errorf("%w: CRL %x of %s has number %q", ErrCorrupt, k, issuer, j.Number)
	}
	rec := &ca.CRLRecord{Issuer: issuer, Number: n, ThisUpdate: j.ThisUpdate, NextUpdate: j.NextUpdate, Entries: j.Entries, DER: j.DER, Shard: j.Shard}
	if j.Shard != nil && *j.Shard < 0 {
		return nil, fmt.Errorf("%w: CRL %x of %s has shard %d", ErrCorrupt, k, issuer, *j.Shard)
	}
	if j.DeltaOf != "" {
		if rec.DeltaOf, ok = new(big.Int).SetString(j.DeltaOf, 10); !ok || rec.DeltaOf.Cmp(n) >= 0 {
			return nil, fmt.Errorf("%w: CRL %x of %s has base %q", ErrCorrupt, k, issuer, j.DeltaOf)
		}
	}
	return rec, nil
}

// update runs fn in a write transaction, after the pre-write check, with
// the file's growth bounded for a write of about payload bytes. It stops
// at the first sign of damage: a panic or fault reading the file, a
// record that does not decode, growth past the bound.
func (b *Bolt) update(ctx context.Context, payload int, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.write.Lock()
	defer b.write.Unlock()
	size, err := b.preWriteCheck()
	if err != nil {
		return err
	}
	b.db.MaxSize = maxSize(size, payload)
	err = b.safely(func() error { return b.db.Update(fn) })
	if errors.Is(err, berrors.ErrMaxSizeReached) {
		return fmt.Errorf("%w: %s is damaged: the write would grow it past %d bytes (it holds %d); nothing was written; %s", ErrCorrupt, b.path, b.db.MaxSize, size, restoreIt)
	}
	return err
}

// Backup writes a consistent copy of the store to w while other readers and
// writers go on (bbolt's Tx.WriteTo in a read transaction).
func (b *Bolt) Backup(w io.Writer) (int64, error) {
	var n int64
	err := b.view(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("store: backup: %w", err)
	}
	return n, nil
}

func serialHex(s *big.Int) string {
	if s == nil {
		return ""
	}
	return ca.FormatSerial(s)
}

func parseSerialHex(h string) (*big.Int, error) {
	if h == "" {
		return nil, nil
	}
	return ca.ParseSerial(h)
}

// checkRenewal returns the record a renewal c renews (nil when c renews
// nothing), or why c may not be recorded: the old certificate is unknown
// (ca.ErrNotFound), revoked (ca.ErrRefused) or renewed already
// (ca.ErrExists): a certificate is renewed once.
func checkRenewal(tx *bolt.Tx, c *ca.CertRecord) (*ca.CertRecord, error) {
	if c.RenewalOf == nil {
		return nil, nil
	}
	key, err := serialKey(c.RenewalOf)
	if err != nil {
		return nil, err
	}
	v := tx.Bucket(bucketCerts).Get(key)
	if v == nil {
		return nil, fmt.Errorf("%w: serial %s, which this renews, is not in this home", ca.ErrNotFound, ca.FormatSerial(c.RenewalOf))
	}
	old, err := decodeCert(tx, key, v)
	if err != nil {
		return nil, err
	}
	switch {
	case old.Revocation != nil:
		return nil, fmt.Errorf("%w: serial %s is revoked; a revoked certificate is not renewed", ca.ErrRefused, ca.FormatSerial(old.Serial))
	case old.RenewedBy != nil:
		return nil, fmt.Errorf("%w: serial %s was renewed already, by %s", ca.ErrExists, ca.FormatSerial(old.Serial), ca.FormatSerial(old.RenewedBy))
	}
	return old, nil
}

// linkRenewal notes on the old record that c renewed it and, when c asks,
// revokes it (superseded, at now), in the transaction that records c.
func linkRenewal(tx *bolt.Tx, c, old *ca.CertRecord, now time.Time) error {
	old.RenewedBy = c.Serial
	e, err := encodeCert(old)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketCerts).Put(e.key, e.value); err != nil {
		return err
	}
	if !c.RevokeRenewed {
		return nil
	}
	rb, err := tx.Bucket(bucketRevoked).CreateBucketIfNotExists([]byte(old.Issuer))
	if err != nil {
		return err
	}
	r := ca.Revocation{Serial: old.Serial, Issuer: old.Issuer, NotAfter: old.NotAfter, RevokedAt: now.UTC().Truncate(time.Second), Reason: ca.ReasonSuperseded}
	rv, err := encodeRevocation(&r)
	if err != nil {
		return err
	}
	return rb.Put(e.key, rv)
}
