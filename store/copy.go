package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// Record is one record of a store as Copy moves it: exactly one field is
// set. A certificate carries its revocation and renewal links; an audit
// record is its stored bytes, copied unchanged so that the chain is too.
type Record struct {
	Issuer *ca.IssuerRecord
	Cert   *ca.CertRecord
	CRL    *ca.CRLRecord
	Audit  []byte
}

// Copier is a store that Copy reads from and writes to.
type Copier interface {
	// Dump calls fn for every record, from one consistent snapshot:
	// issuers, certificates, CRLs, then the audit records in order.
	Dump(ctx context.Context, fn func(Record) error) error
	// Load runs fill in one transaction that put writes into; the store
	// must be empty (ErrNotEmpty). Nothing is audited: the records are
	// copies, audit records included.
	Load(ctx context.Context, fill func(put func(Record) error) error) error
}

// ErrNotEmpty is returned by Load (and Copy) for a target store that holds
// records. It matches ca.ErrExists.
var ErrNotEmpty error = &existsError{"store: the target store is not empty"}

// Copy copies every record of from into the empty store to, in one
// transaction of each, and returns what was copied.
func Copy(ctx context.Context, from, to Copier) (Counts, error) {
	var c Counts
	err := to.Load(ctx, func(put func(Record) error) error {
		return from.Dump(ctx, func(r Record) error {
			switch {
			case r.Issuer != nil:
				c.Issuers++
			case r.Cert != nil:
				c.Certificates++
				if r.Cert.Revocation != nil {
					c.Revocations++
				}
			case r.CRL != nil:
				c.CRLs++
			default:
				c.AuditRecords++
			}
			return put(r)
		})
	})
	return c, err
}

// Dump implements Copier.
func (b *Bolt) Dump(ctx context.Context, fn func(Record) error) error {
	return b.safely(func() error {
		return b.db.View(func(tx *bolt.Tx) error {
			err := tx.Bucket(bucketIssuers).ForEach(func(k, v []byte) error {
				rec, err := decodeIssuer(string(k), v)
				if err != nil {
					return err
				}
				if rec.URLs, err = boltURLs(tx, rec.Name); err != nil {
					return err
				}
				rec.Policy = boltPolicy(tx, rec.Name)
				return fn(Record{Issuer: rec})
			})
			if err == nil {
				err = tx.Bucket(bucketCerts).ForEach(func(k, v []byte) error {
					rec, err := decodeCert(tx, k, v)
					if err != nil {
						return err
					}
					return fn(Record{Cert: rec})
				})
			}
			if err == nil {
				err = dumpBoltCRLs(tx, fn)
			}
			if err == nil {
				err = tx.Bucket(bucketAudit).ForEach(func(_, v []byte) error { return fn(Record{Audit: v}) })
			}
			return err
		})
	})
}

func dumpBoltCRLs(tx *bolt.Tx, fn func(Record) error) error {
	crls := tx.Bucket(bucketCRLs)
	return crls.ForEachBucket(func(issuer []byte) error {
		return crls.Bucket(issuer).ForEach(func(k, v []byte) error {
			rec, err := decodeCRL(string(issuer), k, v)
			if err != nil {
				return err
			}
			return fn(Record{CRL: rec})
		})
	})
}

// Load implements Copier.
func (b *Bolt) Load(ctx context.Context, fill func(put func(Record) error) error) error {
	// The copy's size is not known before it streams in: the growth bound
	// of update (against damage) is lifted for it, into an empty store.
	return b.update(ctx, 1<<36, func(tx *bolt.Tx) error {
		for _, name := range []([]byte){bucketIssuers, bucketCerts, bucketCRLs, bucketAudit} {
			if k, _ := tx.Bucket(name).Cursor().First(); k != nil {
				return fmt.Errorf("%w: %s holds records", ErrNotEmpty, b.path)
			}
		}
		return fill(func(r Record) error { return loadBolt(tx, r) })
	})
}

func loadBolt(tx *bolt.Tx, r Record) error {
	switch {
	case r.Issuer != nil:
		iss := r.Issuer
		v, err := json.Marshal(issuerJSON{Parent: iss.Parent, Serial: ca.FormatSerial(iss.Serial), DER: iss.DER})
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketIssuers).Put([]byte(iss.Name), v); err != nil {
			return err
		}
		if iss.Policy != nil {
			if err := putPolicy(tx, iss.Name, iss.Policy); err != nil {
				return err
			}
		}
		if iss.URLs.IsZero() {
			return nil
		}
		return putURLs(tx, iss.Name, iss.URLs)
	case r.Cert != nil:
		if err := putCert(tx, r.Cert); err != nil {
			return fmt.Errorf("store: copy certificate %s: %w", ca.FormatSerial(r.Cert.Serial), err)
		}
		if r.Cert.Revocation == nil {
			return nil
		}
		rb, err := tx.Bucket(bucketRevoked).CreateBucketIfNotExists([]byte(r.Cert.Issuer))
		if err != nil {
			return err
		}
		rv, err := encodeRevocation(r.Cert.Revocation)
		if err != nil {
			return err
		}
		key, _ := serialKey(r.Cert.Serial)
		return rb.Put(key, rv)
	case r.CRL != nil:
		cb, err := tx.Bucket(bucketCRLs).CreateBucketIfNotExists([]byte(r.CRL.Issuer))
		if err != nil {
			return err
		}
		v, err := encodeCRL(r.CRL)
		if err != nil {
			return err
		}
		return cb.Put(u64(r.CRL.Number.Uint64()), v)
	}
	ab := tx.Bucket(bucketAudit)
	seq, _ := ab.NextSequence()
	return ab.Put(u64(seq), r.Audit)
}

// VerifyCopy checks that to holds what from holds: the same counts, the
// same audit head, and that both pass their checks.
func VerifyCopy(from, to Handle) error {
	cf, err := from.Counts()
	if err != nil {
		return err
	}
	ct, err := to.Counts()
	if err != nil {
		return err
	}
	if cf != ct {
		return fmt.Errorf("store: the copy differs: %+v copied from %+v", ct, cf)
	}
	sf, err := from.VerifyAudit("")
	if err != nil {
		return err
	}
	st, err := to.VerifyAudit(sf.Head)
	if err != nil {
		return fmt.Errorf("store: the copy's audit chain: %w", err)
	}
	if st.Head != sf.Head {
		return fmt.Errorf("store: the copy's audit head %s is not %s", st.Head, sf.Head)
	}
	if problems := to.Check(); len(problems) > 0 {
		msgs := make([]string, len(problems))
		for i, p := range problems {
			msgs[i] = p.Error()
		}
		return fmt.Errorf("%w: the copy fails its check: %s", ErrCorrupt, strings.Join(msgs, "; "))
	}
	return nil
}
