package store

import (
	"bytes"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ca-toolkit/ca/pkg/ca"
)

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
			// bbolt's tx.Check runs in a goroutine of its own, where
			// a fault on a damaged page would crash the process, and it
			// trusts the counts it reads: the file was checked by
			// checkFile as it was opened; check every page of it now.
			if err := b.checkFile(); err != nil {
				add("%v", err)
				return nil
			}
			if !checkBuckets(tx, add) {
				return nil
			}
			checkCerts(tx, add)
			checkRevocations(tx, add)
			checkCRLNumbers(tx, add)
			checkIssuers(tx, add)
			checkPolicies(tx, add)
			checkURLs(tx, add)
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

// addFunc records one problem of Check.
type addFunc func(format string, args ...any)

// checkBuckets reports the first missing top-level bucket; false when one is.
func checkBuckets(tx *bolt.Tx, add addFunc) bool {
	for _, name := range topBuckets {
		if tx.Bucket(name) == nil {
			add("bucket %s is missing", name)
			return false
		}
	}
	return true
}

// checkCerts checks every certificate record (checkCert) and that the
// indexes hold no stray entry.
func checkCerts(tx *bolt.Tx, add addFunc) {
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
	n, indexed, expiries := keyCount(certs), 0, keyCount(tx.Bucket(bucketExpiry))
	_ = tx.Bucket(bucketByIssuer).ForEachBucket(func(issuer []byte) error {
		indexed += keyCount(tx.Bucket(bucketByIssuer).Bucket(issuer))
		return nil
	})
	if indexed != n || expiries != n {
		add("%d certificates, but %d in the issuer index and %d in the expiry index", n, indexed, expiries)
		indexesHold = false
	}
	if is := tx.Bucket(bucketIssued); is != nil && keyCount(is) != n {
		add("%d certificates, but %d in the notBefore index", n, keyCount(is))
		indexesHold = false
	}
	if !indexesHold {
		checkIndexes(tx, add)
	}
}

// checkRevocations checks that every revocation decodes and refers to a
// certificate of its issuer.
func checkRevocations(tx *bolt.Tx, add addFunc) {
	certs := tx.Bucket(bucketCerts)
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
}

// checkCRLNumbers checks that every CRL decodes and that each issuer's
// numbers run 1, 2, 3 ...
func checkCRLNumbers(tx *bolt.Tx, add addFunc) {
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
}

// checkIssuers checks that every issuer decodes and its certificate is recorded.
func checkIssuers(tx *bolt.Tx, add addFunc) {
	certs := tx.Bucket(bucketCerts)
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
}

// restore is what every problem of a damaged store tells the user to do.
const restore = "restore the store from a backup (see docs/operations.md)"

// checkCert checks one certificate record, under key k: it decodes, its DER
// parses (x509.ParseCertificate, as "ca show" and "ca verify" do) and holds
// the serial of its key and the notAfter of its record, and both indexes
// hold it. It returns false when an index entry of the certificate is
// missing or the record does not decode.
func checkCert(tx *bolt.Tx, k, v []byte, add addFunc) bool {
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
	if is := tx.Bucket(bucketIssued); is != nil && is.Get(expiryKey(c.NotBefore, k)) == nil {
		add("certificate %s is missing from the notBefore index", serial)
		indexed = false
	}
	return indexed
}

// checkIndexes names the index entries that point to no certificate, or to
// one of another issuer or expiry time.
func checkIndexes(tx *bolt.Tx, add addFunc) {
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
	checkIssued(tx, add)
}

// checkIssued names the notBefore index entries that point to no
// certificate, or to one issued at another time.
func checkIssued(tx *bolt.Tx, add addFunc) {
	is := tx.Bucket(bucketIssued)
	if is == nil {
		return
	}
	_ = is.ForEach(func(k, _ []byte) error {
		if len(k) != 8+ca.SerialBytes {
			add("notBefore index entry %x is malformed", k)
			return nil
		}
		v := tx.Bucket(bucketCerts).Get(k[8:])
		var c certJSON
		switch {
		case v == nil:
			add("notBefore index entry %x names no certificate", k)
		case json.Unmarshal(v, &c) == nil && !bytes.Equal(k[:8], u64(uint64(c.NotBefore.Unix()))):
			add("notBefore index files certificate %x under %x, but it was issued at %s", k[8:], k[:8], c.NotBefore.UTC().Format(time.RFC3339))
		}
		return nil
	})
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
			n += keyCount(tx.Bucket(name).Bucket(k))
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
			c.Certificates = keyCount(tx.Bucket(bucketCerts))
			c.Issuers = keyCount(tx.Bucket(bucketIssuers))
			c.AuditRecords = keyCount(tx.Bucket(bucketAudit))
			c.Revocations = nested(tx, bucketRevoked)
			c.CRLs = nested(tx, bucketCRLs)
			return nil
		})
	})
	return c, err
}
