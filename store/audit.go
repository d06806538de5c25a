package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"

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
	ab := tx.Bucket(bucketAudit)
	if ab == nil {
		return AuditSummary{Problems: []string{"the audit bucket is missing"}}
	}
	w := &chainWalk{anchor: anchor}
	_ = ab.ForEach(func(k, v []byte) error {
		var key uint64
		if len(k) == 8 {
			key = binary.BigEndian.Uint64(k)
		}
		w.add(k, key, len(k) == 8, v)
		return nil
	})
	return w.s
}

// chainWalk checks the records of an audit chain one by one, in key order.
type chainWalk struct {
	s      AuditSummary
	anchor string
	prev   string
	seq    uint64
}

// add checks the record v stored under key (raw, for messages; keyOK
// false when it is not a sequence number).
func (w *chainWalk) add(raw []byte, key uint64, keyOK bool, v []byte) {
	var rec ca.AuditRecord
	w.seq++
	w.s.Records++
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.DisallowUnknownFields()
	if !keyOK || dec.Decode(&rec) != nil {
		w.s.Problems = append(w.s.Problems, fmt.Sprintf("audit record %x does not decode", raw))
		w.prev = ""
		return
	}
	switch canon, _ := json.Marshal(rec); {
	case key != w.seq || rec.Seq != w.seq:
		w.s.Problems = append(w.s.Problems, fmt.Sprintf("audit record %d is missing or out of place (found %d under key %d)", w.seq, rec.Seq, key))
		w.seq = key
	case rec.Prev != w.prev:
		w.s.Problems = append(w.s.Problems, fmt.Sprintf("audit record %d does not chain to record %d: a record was removed, inserted or rewritten", rec.Seq, w.seq-1))
	case rec.ComputeHash() != rec.Hash:
		w.s.Problems = append(w.s.Problems, fmt.Sprintf("audit record %d was edited: its hash does not match", rec.Seq))
	case !bytes.Equal(canon, v):
		w.s.Problems = append(w.s.Problems, fmt.Sprintf("audit record %d was edited: it is not stored as written", rec.Seq))
	}
	if w.anchor != "" && strings.EqualFold(rec.Hash, w.anchor) {
		w.s.AnchorFound = true
	}
	w.prev = rec.Hash
	w.s.Head = rec.Hash
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
	return auditVerdict(s, anchor)
}

// safely runs fn in recoverDamage: a panic or fault of bbolt on a damaged
// file, and a record that does not decode, are an error wrapping
// ErrCorrupt that says to restore the store.
func (b *Bolt) safely(fn func() error) error {
	err := recoverDamage(b.path, fn)
	if errors.Is(err, ErrCorrupt) && !errors.Is(err, errRestoreSaid) && !strings.Contains(err.Error(), "from a backup") {
		err = &damagedStoreError{err, b.path}
	}
	return err
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
	log := readAuditLog(tx)
	r := &coverageReport{}
	r.unlogged(tx, log)
	r.deleted(tx, log)
	r.crls(tx, log)
	return r.problems
}

// audited is what the log says about one serial: the first issue (or
// add-issuer) and revoke records naming it, and whether the store still
// holds its certificate and revocation.
type audited struct {
	issueSeq, revokeSeq   uint64
	haveCert, haveRevoked bool
}

// auditLog is what the audit log says was done.
type auditLog struct {
	serials map[string]audited
	order   []string          // serials in the order the log first names them
	issuers map[string]uint64 // the first add-issuer record of each issuer
	crls    map[string]int    // crl records per issuer
}

// readAuditLog reads the audit bucket once.
func readAuditLog(tx *bolt.Tx) *auditLog {
	l := &auditLog{serials: map[string]audited{}, issuers: map[string]uint64{}, crls: map[string]int{}}
	_ = tx.Bucket(bucketAudit).ForEach(func(_, v []byte) error {
		var rec ca.AuditRecord
		if json.Unmarshal(v, &rec) != nil {
			return nil // auditChain reports it
		}
		switch rec.Action {
		case "issue", "add-issuer", "renew-issuer", "revoke":
			l.addSerials(&rec)
			if _, seen := l.issuers[rec.Issuer]; rec.Action == "add-issuer" && !seen {
				l.issuers[rec.Issuer] = rec.Seq
			}
		case "crl":
			l.crls[rec.Issuer]++
		}
		return nil
	})
	return l
}

// addSerials notes the serials of an issue, add-issuer, renew-issuer or revoke record.
func (l *auditLog) addSerials(rec *ca.AuditRecord) {
	for _, s := range rec.Serials {
		a, seen := l.serials[s]
		if !seen {
			l.order = append(l.order, s)
		}
		switch {
		case rec.Action == "revoke" && a.revokeSeq == 0:
			a.revokeSeq = rec.Seq
		case rec.Action != "revoke" && a.issueSeq == 0:
			a.issueSeq = rec.Seq
		}
		l.serials[s] = a
	}
}

// coverageReport collects auditCoverage's problems: of changes without
// their audit record, and of audited records gone from the store, the
// first ten of each are named, the rest counted.
type coverageReport struct {
	problems            []string
	unloggedN, deletedN int
}

func (r *coverageReport) report(n *int, format string, args ...any) {
	*n++
	if *n <= 10 {
		r.problems = append(r.problems, fmt.Sprintf(format, args...))
	}
}

func serialOfKey(k []byte) string { return ca.FormatSerial(new(big.Int).SetBytes(k)) }

// unlogged reports the certificates, revocations and issuers without
// their audit record, and notes in log which audited ones the store holds.
func (r *coverageReport) unlogged(tx *bolt.Tx, log *auditLog) {
	_ = tx.Bucket(bucketCerts).ForEach(func(k, _ []byte) error {
		s := serialOfKey(k)
		a, ok := log.serials[s]
		if !ok || a.issueSeq == 0 {
			r.report(&r.unloggedN, "certificate %s has no audit record", s)
		}
		if ok {
			a.haveCert = true
			log.serials[s] = a
		}
		return nil
	})
	_ = tx.Bucket(bucketRevoked).ForEachBucket(func(issuer []byte) error {
		return tx.Bucket(bucketRevoked).Bucket(issuer).ForEach(func(k, _ []byte) error {
			s := serialOfKey(k)
			a, ok := log.serials[s]
			if !ok || a.revokeSeq == 0 {
				r.report(&r.unloggedN, "the revocation of %s has no audit record", s)
			}
			if ok {
				a.haveRevoked = true
				log.serials[s] = a
			}
			return nil
		})
	})
	_ = tx.Bucket(bucketIssuers).ForEach(func(k, _ []byte) error {
		if _, ok := log.issuers[string(k)]; !ok {
			r.report(&r.unloggedN, "issuer %s has no audit record", k)
		}
		return nil
	})
	if r.unloggedN > 10 {
		r.problems = append(r.problems, fmt.Sprintf("%d more changes have no audit record", r.unloggedN-10))
	}
}

// deletedSerials reports the audited certificates and revocations the
// store no longer holds (both stores: the part of deleted they share).
func (r *coverageReport) deletedSerials(log *auditLog) {
	for _, s := range log.order {
		a := log.serials[s]
		if a.issueSeq != 0 && !a.haveCert {
			r.report(&r.deletedN, "certificate %s (audit record %d) is missing from the store: it was deleted behind the toolkit's back; %s", s, a.issueSeq, restore)
		}
		if a.revokeSeq != 0 && !a.haveRevoked {
			r.report(&r.deletedN, "the revocation of %s (audit record %d) is missing from the store, so the certificate passes as not revoked: it was deleted behind the toolkit's back; %s", s, a.revokeSeq, restore)
		}
	}
}

// deleted reports the audited certificates, revocations and issuers the
// store no longer holds (after unlogged has noted which it holds).
func (r *coverageReport) deleted(tx *bolt.Tx, log *auditLog) {
	r.deletedSerials(log)
	names := make([]string, 0, len(log.issuers))
	for name := range log.issuers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if tx.Bucket(bucketIssuers).Get([]byte(name)) == nil {
			r.report(&r.deletedN, "issuer %s (audit record %d) is missing from the store: it was deleted behind the toolkit's back; %s", name, log.issuers[name], restore)
		}
	}
	if r.deletedN > 10 {
		r.problems = append(r.problems, fmt.Sprintf("%d more audited records are missing from the store", r.deletedN-10))
	}
}

// crls reports issuers whose CRLs and crl audit records differ in number.
func (r *coverageReport) crls(tx *bolt.Tx, log *auditLog) {
	_ = tx.Bucket(bucketCRLs).ForEachBucket(func(issuer []byte) error {
		if n, logged := keyCount(tx.Bucket(bucketCRLs).Bucket(issuer)), log.crls[string(issuer)]; n != logged {
			r.problems = append(r.problems, fmt.Sprintf("issuer %s has %d CRLs but %d crl audit records", issuer, n, logged))
		}
		return nil
	})
	var names []string
	for name := range log.crls {
		if tx.Bucket(bucketCRLs).Bucket([]byte(name)) == nil {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		r.problems = append(r.problems, fmt.Sprintf("issuer %s has 0 CRLs but %d crl audit records: they were deleted behind the toolkit's back; %s", name, log.crls[name], restore))
	}
}

// issuedAudit is what the "issue" audit record of a batch names: the
// serials recorded (errs[i] nil) and their issuer, "*" when several.
func issuedAudit(certs []*ca.CertRecord, errs []error) (issuer string, serials []string) {
	for i, c := range certs {
		if errs[i] != nil {
			continue
		}
		serials = append(serials, ca.FormatSerial(c.Serial))
		if issuer == "" || issuer == c.Issuer {
			issuer = c.Issuer
		} else {
			issuer = "*"
		}
	}
	return issuer, serials
}

// auditVerdict is VerifyAudit's result of the summary s: ca.ErrVerify
// naming the problems, or the anchor that is not in the chain.
func auditVerdict(s AuditSummary, anchor string) (AuditSummary, error) {
	if len(s.Problems) > 0 {
		return s, fmt.Errorf("%w: the audit chain is broken: %s", ca.ErrVerify, strings.Join(s.Problems, "; "))
	}
	if anchor != "" && !s.AnchorFound {
		return s, fmt.Errorf("%w: the anchor %s is not in the audit chain: the chain was rewritten or cut since that head was recorded", ca.ErrVerify, anchor)
	}
	return s, nil
}
