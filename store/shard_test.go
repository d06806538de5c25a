package store

import (
	"context"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// testShardCRLs: a shard's CRL takes a number from the issuer's one
// sequence, keeps its shard, and is never the last complete CRL; shard
// counts are kept with the issuer's URLs.
func testShardCRLs(t *testing.T, s *suite) {
	s.issuer("root", "", 1)
	urls := ca.IssuerURLs{CRL: "http://pki.example.com/{issuer}-{shard}.crl", CRLShards: 4}
	if err := s.st.SetIssuerURLs(s.ctx, "root", urls); err != nil {
		t.Fatal(err)
	}
	if got, err := s.st.IssuerURLs(s.ctx, "root"); err != nil || got != urls {
		t.Fatalf("URLs: %+v, %v; want %+v", got, err, urls)
	}
	add := func(n int64, shard *int) {
		t.Helper()
		c := &ca.CRLRecord{Issuer: "root", Number: big.NewInt(n), Shard: shard, ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour), DER: []byte{0x30, byte(n)}}
		if err := s.st.AddCRL(s.ctx, c); err != nil {
			t.Fatalf("AddCRL %d: %v", n, err)
		}
	}
	zero, three := 0, 3
	add(1, &zero)
	if last, err := s.st.LastCRL(s.ctx, "root"); err == nil {
		t.Fatalf("LastCRL with only a shard's CRL: %+v", last)
	}
	add(2, nil)
	add(3, &three)
	last, err := s.st.LastCRL(s.ctx, "root")
	if err != nil || last.Number.Int64() != 2 || last.Shard != nil {
		t.Fatalf("LastCRL after a shard's CRL: %+v, %v", last, err)
	}
	if n, err := s.st.CRLNumber(s.ctx, "root"); err != nil || n.Int64() != 3 {
		t.Fatalf("CRLNumber: %v, %v", n, err)
	}
	if r, err := s.st.LastShardCRL(s.ctx, "root", 3); err != nil || r.Number.Int64() != 3 || *r.Shard != 3 {
		t.Errorf("LastShardCRL(3): %+v, %v", r, err)
	}
	add(4, &zero)
	if r, err := s.st.LastShardCRL(s.ctx, "root", 0); err != nil || r.Number.Int64() != 4 || *r.Shard != 0 {
		t.Errorf("LastShardCRL(0): %+v, %v", r, err)
	}
	if r, err := s.st.LastShardCRL(s.ctx, "root", 1); !errors.Is(err, ca.ErrNotFound) {
		t.Errorf("LastShardCRL(1) of none: %+v, %v", r, err)
	}
	var shards []int
	d, ok := s.st.(interface {
		Dump(context.Context, func(Record) error) error
	})
	if !ok {
		return
	}
	if err := d.Dump(s.ctx, func(r Record) error {
		if r.CRL != nil && r.CRL.Shard != nil {
			shards = append(shards, *r.CRL.Shard)
		}
		return nil
	}); err != nil {
		t.Fatalf("dump: %v", err)
	}
	if len(shards) != 3 || shards[0] != 0 || shards[1] != 3 || shards[2] != 0 {
		t.Errorf("shards read back: %v, want [0 3 0]", shards)
	}
}
