package store

import (
	"bytes"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/big"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// audit appends the record of one change inside the transaction making it,
// chained to the previous record by its hash.
func (b *Bolt) audit(tx *bolt.Tx, action, issuer string, serials []string) error {
	ab := tx.Bucket(bucketAudit)
	rec := ca.AuditRecord{
		Time: b.now().UTC(), Command: b.actor.Command, Args: b.actor.Args, User: b.actor.User,
		Action: action, Issuer: issuer, Serials: serials, Result: "ok",
	}
	if k, v := ab.Cursor().Last(); k != nil {
		var prev ca.AuditRecord
		if err := json.Unmarshal(v, &prev); err != nil {
			return fmt.Errorf("%w: audit record %x: %v", ErrCorrupt, k, err)
		}
		rec.Seq = binary.BigEndian.Uint64(k) + 1
		rec.Prev = prev.Hash
	} else {
		rec.Seq = 1
	}
	if rec.Args == nil {
		rec.Args = []string{}
	}
	rec.Hash = rec.ComputeHash()
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return ab.Put(u64(rec.Seq), v)
}

// AuditRecords calls fn for each audit record in order, until fn returns an error.
func (b *Bolt) AuditRecords(fn func(*ca.AuditRecord) error) error {
	return b.safely(func() error { return b.auditRecords(fn) })
}

func (b *Bolt) auditRecords(fn func(*ca.AuditRecord) error) error {
	return b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAudit).ForEach(func(k, v []byte) error {
			var rec ca.AuditRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("%w: audit record %x: %v", ErrCorrupt, k, err)
			}
			return fn(&rec)
		})
	})
}

// Check runs bbolt's own consistency check and this package's: every record
// decodes, every certificate's DER parses and holds the serial and notAfter
// of its record, every index entry names a record and every record is
// indexed, every revocation refers to a certificate of its issuer, CRL
// numbers run 1, 2, 3 ... per issuer, every issuer's certificate is
// recorded, the audit chain holds, every change has its audit record and
// every audited certificate, revocation, issuer and CRL is still in the
// store. It returns every problem found; none means consistent. A file bbolt
// cannot read is one problem wrapping ErrCorrupt.
func (b *Bolt) Check() []error {
	var problems []error
	add := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }
	err := b.safely(func() error {
		return b.db.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				add("bbolt: %v", err)
			}
			for _, name := range topBuckets {
				if tx.Bucket(name) == nil {
					add("bucket %s is missing", name)
					return nil
				}
			}
			certs := tx.Bucket(bucketCerts)
			indexesHold := true
			_ = certs.ForEach(func(k, v []byte) error {
				if !checkCert(tx, k, v, add) {
					indexesHold = false
				}
				return nil
			})
			// Every certificate has its own two index entries; with as many
			// entries as certificates, no entry is stray. Only otherwise are
			// the indexes read entry by entry, to name the stray ones.
			n, indexed, expiries := certs.Stats().KeyN, 0, tx.Bucket(bucketExpiry).Stats().KeyN
			_ = tx.Bucket(bucketByIssuer).ForEachBucket(func(issuer []byte) error {
				indexed += tx.Bucket(bucketByIssuer).Bucket(issuer).Stats().KeyN
				return nil
			})
			if indexed != n || expiries != n {
				add("%d certificates, but %d in the issuer index and %d in the expiry index", n, indexed, expiries)
				indexesHold = false
			}
			if !indexesHold {
				checkIndexes(tx, add)
			}
			_ = tx.Bucket(bucketRevoked).ForEachBucket(func(issuer []byte) error {
				return tx.Bucket(bucketRevoked).Bucket(issuer).ForEach(func(k, v []byte) error {
					var c certJSON
					cv := certs.Get(k)
					if cv == nil || json.Unmarshal(cv, &c) != nil || c.Issuer != string(issuer) {
						add("revocation %x under issuer %s refers to no certificate of that issuer", k, issuer)
					}
					if _, err := decodeRevocation(k, v); err != nil {
						add("%v", err)
					}
					return nil
				})
			})
			_ = tx.Bucket(bucketCRLs).ForEachBucket(func(issuer []byte) error {
				var want uint64 = 1
				return tx.Bucket(bucketCRLs).Bucket(issuer).ForEach(func(k, v []byte) error {
					if got := binary.BigEndian.Uint64(k); got != want {
						add("CRL numbers of %s jump from %d to %d", issuer, want-1, got)
						want = got
					}
					want++
					if _, err := decodeCRL(string(issuer), k, v); err != nil {
						add("%v", err)
					}
					return nil
				})
			})
			_ = tx.Bucket(bucketIssuers).ForEach(func(k, v []byte) error {
				rec, err := decodeIssuer(string(k), v)
				if err != nil {
					add("%v", err)
					return nil
				}
				key, ok := ca.SerialKey(rec.Serial)
				if !ok || certs.Get(key) == nil {
					add("issuer %s: its certificate %s is not recorded", k, ca.FormatSerial(rec.Serial))
				}
				return nil
			})
			for _, p := range auditChain(tx, "").Problems {
				add("%s", p)
			}
			for _, p := range auditCoverage(tx) {
				add("%s", p)
			}
			return nil
		})
	})
	if err != nil {
		add("%v", err)
	}
	return problems
}

// restore is what every problem of a damaged store tells the user to do.
const restore = "restore the store from a backup (see docs/operations.md)"

// checkCert checks one certificate record, under key k: it decodes, its DER
// parses (x509.ParseCertificate, as "ca show" and "ca verify" do) and holds
// the serial of its key and the notAfter of its record, and both indexes
// hold it. It returns false when an index entry of the certificate is
// missing or the record does not decode.
func checkCert(tx *bolt.Tx, k, v []byte, add func(format string, args ...any)) bool {
	serial := ca.FormatSerial(new(big.Int).SetBytes(k))
	var c certJSON
	if err := json.Unmarshal(v, &c); err != nil {
		add("certificate %s does not decode: %s", serial, restore)
		return false
	}
	if cert, err := x509.ParseCertificate(c.DER); err != nil {
		add("certificate %s: its DER does not parse (%v): %s", serial, err, restore)
	} else if key, ok := ca.SerialKey(cert.SerialNumber); !ok || !bytes.Equal(key, k) {
		add("certificate %s: its DER holds serial %s: the record was swapped or rewritten; %s", serial, ca.FormatSerial(cert.SerialNumber), restore)
	} else if !cert.NotAfter.Equal(c.NotAfter) {
		add("certificate %s: its record says it expires at %s but its DER at %s: the record was rewritten; %s",
			serial, c.NotAfter.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339), restore)
	}
	indexed := true
	if bi := tx.Bucket(bucketByIssuer).Bucket([]byte(c.Issuer)); bi == nil || bi.Get(k) == nil {
		add("certificate %s is missing from the index of its issuer %s", serial, c.Issuer)
		indexed = false
	}
	if tx.Bucket(bucketExpiry).Get(expiryKey(c.NotAfter, k)) == nil {
		add("certificate %s is missing from the expiry index", serial)
		indexed = false
	}
	return indexed
}

// checkIndexes names the index entries that point to no certificate, or to
// one of another issuer or expiry time.
func checkIndexes(tx *bolt.Tx, add func(format string, args ...any)) {
	certs := tx.Bucket(bucketCerts)
	_ = tx.Bucket(bucketByIssuer).ForEachBucket(func(issuer []byte) error {
		return tx.Bucket(bucketByIssuer).Bucket(issuer).ForEach(func(k, _ []byte) error {
			v := certs.Get(k)
			var c certJSON
			switch {
			case v == nil:
				add("issuer index %s names serial %x, which has no record", issuer, k)
			case json.Unmarshal(v, &c) != nil:
				// checkCert reports it
			case c.Issuer != string(issuer):
				add("certificate %x of issuer %s is indexed under %s", k, c.Issuer, issuer)
			}
			return nil
		})
	})
	_ = tx.Bucket(bucketExpiry).ForEach(func(k, _ []byte) error {
		if len(k) != 8+ca.SerialBytes {
			add("expiry index entry %x is malformed", k)
			return nil
		}
		v := certs.Get(k[8:])
		var c certJSON
		switch {
		case v == nil:
			add("expiry index entry %x names no certificate", k)
		case json.Unmarshal(v, &c) == nil && !bytes.Equal(k[:8], u64(uint64(c.NotAfter.Unix()))):
			add("expiry index files certificate %x under %x, but it expires at %s", k[8:], k[:8], c.NotAfter.UTC().Format(time.RFC3339))
		}
		return nil
	})
}

// AuditSummary is the state of the audit chain: how many records it holds,
// the hash of the last (the head), and what is wrong with it.
type AuditSummary struct {
	Records  int
	Head     string
	Problems []string
	// AnchorFound is true when the anchor given to VerifyAudit is the hash
	// of some record of the chain.
	AnchorFound bool
}

// auditChain walks the audit bucket: each record decodes, is stored in its
// canonical form (any edit of the stored bytes shows), sits under its own
// sequence number with no gap, names the hash of the record before it and
// hashes to its own Hash. anchor, when not empty, is looked for among the
// records' hashes.
func auditChain(tx *bolt.Tx, anchor string) AuditSummary {
	var s AuditSummary
	ab := tx.Bucket(bucketAudit)
	if ab == nil {
		s.Problems = append(s.Problems, "the audit bucket is missing")
		return s
	}
	prev, seq := "", uint64(0)
	_ = ab.ForEach(func(k, v []byte) error {
		var rec ca.AuditRecord
		seq++
		s.Records++
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.DisallowUnknownFields()
		if len(k) != 8 || dec.Decode(&rec) != nil {
			s.Problems = append(s.Problems, fmt.Sprintf("audit record %x does not decode", k))
			prev = ""
			return nil
		}
		switch canon, _ := json.Marshal(rec); {
		case binary.BigEndian.Uint64(k) != seq || rec.Seq != seq:
			s.Problems = append(s.Problems, fmt.Sprintf("audit record %d is missing or out of place (found %d under key %d)", seq, rec.Seq, binary.BigEndian.Uint64(k)))
			seq = binary.BigEndian.Uint64(k)
		case rec.Prev != prev:
			s.Problems = append(s.Problems, fmt.Sprintf("audit record %d does not chain to record %d: a record was removed, inserted or rewritten", rec.Seq, seq-1))
		case rec.ComputeHash() != rec.Hash:
			s.Problems = append(s.Problems, fmt.Sprintf("audit record %d was edited: its hash does not match", rec.Seq))
		case !bytes.Equal(canon, v):
			s.Problems = append(s.Problems, fmt.Sprintf("audit record %d was edited: it is not stored as written", rec.Seq))
		}
		if anchor != "" && strings.EqualFold(rec.Hash, anchor) {
			s.AnchorFound = true
		}
		prev = rec.Hash
		s.Head = rec.Hash
		return nil
	})
	return s
}

// VerifyAudit checks the audit chain, that every change the store holds has
// its record and every record's certificates, revocations, issuer and CRLs
// are still in the store, and, when anchor is not empty, that a
// record with that hash is in it (a head kept elsewhere, e.g. in a CI log:
// a chain rewritten from the start, or cut after the anchor, no longer holds
// it). It returns the summary, and an error wrapping ca.ErrVerify when the
// chain is broken or the anchor is missing.
func (b *Bolt) VerifyAudit(anchor string) (AuditSummary, error) {
	var s AuditSummary
	if err := b.safely(func() error {
		return b.db.View(func(tx *bolt.Tx) error {
			s = auditChain(tx, anchor)
			s.Problems = append(s.Problems, auditCoverage(tx)...)
			return nil
		})
	}); err != nil {
		return s, fmt.Errorf("store: verify audit: %w", err)
	}
	if len(s.Problems) > 0 {
		return s, fmt.Errorf("%w: the audit chain is broken: %s", ca.ErrVerify, strings.Join(s.Problems, "; "))
	}
	if anchor != "" && !s.AnchorFound {
		return s, fmt.Errorf("%w: the anchor %s is not in the audit chain: the chain was rewritten or cut since that head was recorded", ca.ErrVerify, anchor)
	}
	return s, nil
}

// Counts are the numbers of records in a store.
type Counts struct {
	Certificates int `json:"certificates"`
	Revocations  int `json:"revocations"`
	CRLs         int `json:"crls"`
	AuditRecords int `json:"auditRecords"`
	Issuers      int `json:"issuers"`
}

// Counts returns how many records of each kind the store holds.
func (b *Bolt) Counts() (Counts, error) {
	var c Counts
	nested := func(tx *bolt.Tx, name []byte) int {
		n := 0
		_ = tx.Bucket(name).ForEachBucket(func(k []byte) error {
			n += tx.Bucket(name).Bucket(k).Stats().KeyN
			return nil
		})
		return n
	}
	err := b.safely(func() error {
		return b.db.View(func(tx *bolt.Tx) error {
			for _, name := range topBuckets {
				if tx.Bucket(name) == nil {
					return fmt.Errorf("%w: bucket %s is missing", ErrCorrupt, name)
				}
			}
			c.Certificates = tx.Bucket(bucketCerts).Stats().KeyN
			c.Issuers = tx.Bucket(bucketIssuers).Stats().KeyN
			c.AuditRecords = tx.Bucket(bucketAudit).Stats().KeyN
			c.Revocations = nested(tx, bucketRevoked)
			c.CRLs = nested(tx, bucketCRLs)
			return nil
		})
	})
	return c, err
}

// safely runs fn, turning a panic of bbolt on a damaged file (it asserts
// page ids as it reads them) or a fault reading its memory map into an error wrapping ErrCorrupt: a damaged
// store is reported, never a crash.
func (b *Bolt) safely(fn func() error) (err error) {
	// A page past the end of a truncated file faults (SIGBUS) instead.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s is damaged (%v); restore it from a backup (see docs/operations.md)", ErrCorrupt, b.path, r)
		}
	}()
	return fn()
}

// auditCoverage checks that the audit log and the store agree, both ways.
// Every change the store holds has its audit record: each certificate an
// issue or add-issuer record naming its serial, each revocation a revoke
// record, each issuer an add-issuer record, each issuer's CRLs as many crl
// records. And every record the audit log names is still in the store: the
// toolkit never deletes one, so a certificate, revocation, issuer or CRL
// that is gone was deleted behind its back (a deleted revocation makes a
// revoked certificate verify as good). A record removed from the end of the
// chain, or a change written or deleted behind the toolkit's back, shows
// here even when the chain itself holds. It reads each bucket once, keeping
// one map entry per audited serial.
func auditCoverage(tx *bolt.Tx) []string {
	var problems []string
	// audited is what the log says about one serial: the first issue (or
	// add-issuer) and revoke records naming it, and whether the store still
	// holds its certificate and revocation.
	type audited struct {
		issueSeq, revokeSeq   uint64
		haveCert, haveRevoked bool
	}
	serials := map[string]audited{}
	var order []string // serials in the order the log first names them
	issuers := map[string]uint64{}
	crls := map[string]int{}
	_ = tx.Bucket(bucketAudit).ForEach(func(_, v []byte) error {
		var rec ca.AuditRecord
		if json.Unmarshal(v, &rec) != nil {
			return nil // auditChain reports it
		}
		switch rec.Action {
		case "issue", "add-issuer", "renew-issuer", "revoke":
			for _, s := range rec.Serials {
				a, seen := serials[s]
				if !seen {
					order = append(order, s)
				}
				switch {
				case rec.Action == "revoke" && a.revokeSeq == 0:
					a.revokeSeq = rec.Seq
				case rec.Action != "revoke" && a.issueSeq == 0:
					a.issueSeq = rec.Seq
				}
				serials[s] = a
			}
			if _, seen := issuers[rec.Issuer]; rec.Action == "add-issuer" && !seen {
				issuers[rec.Issuer] = rec.Seq
			}
		case "crl":
			crls[rec.Issuer]++
		}
		return nil
	})
	serial := func(k []byte) string { return ca.FormatSerial(new(big.Int).SetBytes(k)) }
	// Changes without their audit record, and audited records gone from
	// the store: the first ten of each are named, the rest counted.
	unlogged, deleted := 0, 0
	report := func(n *int, format string, args ...any) {
		*n++
		if *n <= 10 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	_ = tx.Bucket(bucketCerts).ForEach(func(k, _ []byte) error {
		s := serial(k)
		a, ok := serials[s]
		if !ok || a.issueSeq == 0 {
			report(&unlogged, "certificate %s has no audit record", s)
		}
		if ok {
			a.haveCert = true
			serials[s] = a
		}
		return nil
	})
	_ = tx.Bucket(bucketRevoked).ForEachBucket(func(issuer []byte) error {
		return tx.Bucket(bucketRevoked).Bucket(issuer).ForEach(func(k, _ []byte) error {
			s := serial(k)
			a, ok := serials[s]
			if !ok || a.revokeSeq == 0 {
				report(&unlogged, "the revocation of %s has no audit record", s)
			}
			if ok {
				a.haveRevoked = true
				serials[s] = a
			}
			return nil
		})
	})
	_ = tx.Bucket(bucketIssuers).ForEach(func(k, _ []byte) error {
		if _, ok := issuers[string(k)]; !ok {
			report(&unlogged, "issuer %s has no audit record", k)
		}
		return nil
	})
	if unlogged > 10 {
		problems = append(problems, fmt.Sprintf("%d more changes have no audit record", unlogged-10))
	}
	for _, s := range order {
		a := serials[s]
		if a.issueSeq != 0 && !a.haveCert {
			report(&deleted, "certificate %s (audit record %d) is missing from the store: it was deleted behind the toolkit's back; %s", s, a.issueSeq, restore)
		}
		if a.revokeSeq != 0 && !a.haveRevoked {
			report(&deleted, "the revocation of %s (audit record %d) is missing from the store, so the certificate passes as not revoked: it was deleted behind the toolkit's back; %s", s, a.revokeSeq, restore)
		}
	}
	names := make([]string, 0, len(issuers))
	for name := range issuers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if tx.Bucket(bucketIssuers).Get([]byte(name)) == nil {
			report(&deleted, "issuer %s (audit record %d) is missing from the store: it was deleted behind the toolkit's back; %s", name, issuers[name], restore)
		}
	}
	if deleted > 10 {
		problems = append(problems, fmt.Sprintf("%d more audited records are missing from the store", deleted-10))
	}
	_ = tx.Bucket(bucketCRLs).ForEachBucket(func(issuer []byte) error {
		if n, logged := tx.Bucket(bucketCRLs).Bucket(issuer).Stats().KeyN, crls[string(issuer)]; n != logged {
			problems = append(problems, fmt.Sprintf("issuer %s has %d CRLs but %d crl audit records", issuer, n, logged))
		}
		return nil
	})
	names = names[:0]
	for name := range crls {
		if tx.Bucket(bucketCRLs).Bucket([]byte(name)) == nil {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		problems = append(problems, fmt.Sprintf("issuer %s has 0 CRLs but %d crl audit records: they were deleted behind the toolkit's back; %s", name, crls[name], restore))
	}
	return problems
}
