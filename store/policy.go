package store

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
)

// bucketPolicies holds each issuer's recorded policy: name -> its
// canonical JSON. Stores made before it existed get it on first write.
var bucketPolicies = []byte("policies")

// putPolicy records policy for the issuer name in tx.
func putPolicy(tx *bolt.Tx, name string, policy []byte) error {
	pb, err := tx.CreateBucketIfNotExists(bucketPolicies)
	if err != nil {
		return fmt.Errorf("store: create bucket %s: %w", bucketPolicies, err)
	}
	return pb.Put([]byte(name), bytes.Clone(policy))
}

// boltPolicy returns the issuer's recorded policy in tx; nil when none.
func boltPolicy(tx *bolt.Tx, name string) []byte {
	pb := tx.Bucket(bucketPolicies)
	if pb == nil {
		return nil
	}
	return bytes.Clone(pb.Get([]byte(name)))
}

// SetPolicy implements ca.Store.
func (b *Bolt) SetPolicy(ctx context.Context, name string, policy []byte, adopt bool) error {
	if len(policy) == 0 {
		return fmt.Errorf("%w: an empty policy for issuer %q", ca.ErrUsage, name)
	}
	return b.update(ctx, 2*len(policy)+2048, func(tx *bolt.Tx) error {
		if tx.Bucket(bucketIssuers).Get([]byte(name)) == nil {
			return fmt.Errorf("%w: issuer %q", ca.ErrNotFound, name)
		}
		if adopt && boltPolicy(tx, name) != nil {
			return fmt.Errorf("%w: a policy is recorded for issuer %q", ca.ErrExists, name)
		}
		if err := putPolicy(tx, name, policy); err != nil {
			return err
		}
		return b.audit(tx, policyAction(adopt), name, []string{})
	})
}

// policyAction is the audit action of SetPolicy.
func policyAction(adopt bool) string {
	if adopt {
		return "policy-adopt"
	}
	return "policy-set"
}

// Policy implements ca.Store.
func (b *Bolt) Policy(ctx context.Context, name string) ([]byte, error) {
	var policy []byte
	err := b.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketIssuers).Get([]byte(name)) == nil {
			return fmt.Errorf("%w: issuer %q", ca.ErrNotFound, name)
		}
		policy = boltPolicy(tx, name)
		return nil
	})
	return policy, err
}

// policyProblem is the problem of a recorded policy that is no policy
// (csr.ParsePolicy refuses it); nil when it is one. Only damage makes one:
// SetPolicy's callers record the canonical form of a parsed policy.
func policyProblem(name string, policy []byte) error {
	if _, err := csr.ParsePolicy(policy); err != nil {
		return fmt.Errorf("issuer %s: the recorded policy is damaged: %v", name, err)
	}
	return nil
}

// checkPolicies checks that every recorded policy belongs to an issuer and
// is a policy.
func checkPolicies(tx *bolt.Tx, add addFunc) {
	pb := tx.Bucket(bucketPolicies)
	if pb == nil {
		return
	}
	issuers := tx.Bucket(bucketIssuers)
	_ = pb.ForEach(func(k, v []byte) error {
		if issuers.Get(k) == nil {
			add("a policy is recorded for %q, which is no issuer", k)
		}
		if err := policyProblem(string(k), v); err != nil {
			add("%v", err)
		}
		return nil
	})
}
