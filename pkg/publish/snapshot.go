package publish

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// Store is what publish reads from the home's store; a store.Bolt opened
// read-only is one. Version grows with every change (store.Bolt.Version).
type Store interface {
	Version() (uint64, error)
	Issuers(ctx context.Context) ([]ca.IssuerRecord, error)
	Certificates(ctx context.Context, q ca.Query, fn func(*ca.CertRecord) error) error
	Revocations(ctx context.Context, issuer string, fn func(*ca.Revocation) error) error
	LastCRL(ctx context.Context, issuer string) (*ca.CRLRecord, error)
	IssuerURLs(ctx context.Context, name string) (ca.IssuerURLs, error)
	LastShardCRL(ctx context.Context, issuer string, shard int) (*ca.CRLRecord, error)
	Close() error
}

// snapshot is what the store said at one version.
type snapshot struct {
	version uint64
	issuers []*issuerState // as Store.Issuers lists them
	byName  map[string]*issuerState
}

// issuerState is one issuer as publish answers for it.
type issuerState struct {
	name   string
	cert   *x509.Certificate
	hashes map[crypto.Hash][2][]byte // name hash and key hash of the CertID (RFC 6960, 4.1.1)
	status map[string]status         // big-endian serial -> good or revoked
	crl    *ca.CRLRecord             // nil: none exported yet
	shards []*ca.CRLRecord           // a sharded issuer's, by shard; nil: none exported yet
	// lastRevoked is the latest revocation time among status, revoked
	// how many there are.
	lastRevoked time.Time
	revoked     int
}

var certIDHashes = []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512}

// load reads a snapshot of st at version v.
func load(ctx context.Context, st Store, v uint64) (*snapshot, error) {
	recs, err := st.Issuers(ctx)
	if err != nil {
		return nil, err
	}
	snap := &snapshot{version: v, byName: map[string]*issuerState{}}
	for _, rec := range recs {
		is, err := loadIssuer(ctx, st, rec)
		if err != nil {
			return nil, err
		}
		snap.issuers = append(snap.issuers, is)
		snap.byName[is.name] = is
	}
	return snap, nil
}

func loadIssuer(ctx context.Context, st Store, rec ca.IssuerRecord) (*issuerState, error) {
	cert, err := x509.ParseCertificate(rec.DER)
	if err != nil {
		return nil, fmt.Errorf("publish: issuer %s: %w", rec.Name, err)
	}
	is := &issuerState{name: rec.Name, cert: cert, hashes: map[crypto.Hash][2][]byte{}, status: map[string]status{}}
	var spki struct {
		Algorithm asn1.RawValue
		Key       asn1.BitString
	}
	if _, err := asn1.Unmarshal(cert.RawSubjectPublicKeyInfo, &spki); err != nil {
		return nil, fmt.Errorf("publish: issuer %s: %w", rec.Name, err)
	}
	for _, h := range certIDHashes {
		n, k := h.New(), h.New()
		n.Write(cert.RawSubject)
		k.Write(spki.Key.RightAlign())
		is.hashes[h] = [2][]byte{n.Sum(nil), k.Sum(nil)}
	}
	err = st.Certificates(ctx, ca.Query{Issuer: rec.Name}, func(c *ca.CertRecord) error {
		is.status[string(c.Serial.Bytes())] = status{kind: good}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = st.Revocations(ctx, rec.Name, func(r *ca.Revocation) error {
		is.status[string(r.Serial.Bytes())] = status{kind: revoked, revokedAt: r.RevokedAt, reason: int(r.Reason)}
		is.revoked++
		if r.RevokedAt.After(is.lastRevoked) {
			is.lastRevoked = r.RevokedAt
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	is.crl, err = st.LastCRL(ctx, rec.Name)
	if errors.Is(err, ca.ErrNotFound) {
		is.crl, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	return is, is.loadShards(ctx, st)
}

// loadShards reads the last CRL of each shard of a sharded issuer.
func (is *issuerState) loadShards(ctx context.Context, st Store) error {
	urls, err := st.IssuerURLs(ctx, is.name)
	if err != nil || urls.CRLShards == 0 {
		return err
	}
	is.shards = make([]*ca.CRLRecord, urls.CRLShards)
	for s := range is.shards {
		is.shards[s], err = st.LastShardCRL(ctx, is.name, s)
		if errors.Is(err, ca.ErrNotFound) {
			err = nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// crlNamed is the CRL that /crl/NAME.crl serves: the issuer's last complete
// CRL for its name, the last CRL of shard S for NAME-S; nil for none.
func (s *snapshot) crlNamed(name string) *ca.CRLRecord {
	if is := s.byName[name]; is != nil {
		return is.crl
	}
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return nil
	}
	is := s.byName[name[:i]]
	n, err := strconv.Atoi(name[i+1:])
	if is == nil || err != nil || n < 0 || n >= len(is.shards) || strconv.Itoa(n) != name[i+1:] {
		return nil
	}
	return is.shards[n]
}

// find returns the issuer that the request's CertID names, or nil.
func (s *snapshot) find(req *request) *issuerState {
	for _, is := range s.issuers {
		h := is.hashes[req.hash]
		if string(h[0]) == string(req.nameHash) && string(h[1]) == string(req.keyHash) {
			return is
		}
	}
	return nil
}

// statusOf returns what the issuer says of the serial: unknown when it
// never signed it (a serial that is not positive included).
func (is *issuerState) statusOf(req *request) status {
	if req.serial.Sign() <= 0 {
		return status{kind: unknown}
	}
	st, ok := is.status[string(req.serial.Bytes())]
	if !ok {
		return status{kind: unknown}
	}
	return st
}
