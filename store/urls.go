package store

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// bucketURLs holds each issuer's publication URLs: name -> JSON of
// ca.IssuerURLs. Stores made before it existed get it on first write.
var bucketURLs = []byte("issuerURLs")

// putURLs records urls for the issuer name in tx; zero URLs delete the record.
func putURLs(tx *bolt.Tx, name string, urls ca.IssuerURLs) error {
	ub, err := tx.CreateBucketIfNotExists(bucketURLs)
	if err != nil {
		return fmt.Errorf("store: create bucket %s: %w", bucketURLs, err)
	}
	if urls.IsZero() {
		return ub.Delete([]byte(name))
	}
	v, err := json.Marshal(urls)
	if err != nil {
		return err
	}
	return ub.Put([]byte(name), v)
}

// SetIssuerURLs implements ca.Store.
func (b *Bolt) SetIssuerURLs(ctx context.Context, name string, urls ca.IssuerURLs) error {
	return b.update(ctx, 2048, func(tx *bolt.Tx) error {
		if tx.Bucket(bucketIssuers).Get([]byte(name)) == nil {
			return fmt.Errorf("%w: issuer %q", ca.ErrNotFound, name)
		}
		if err := putURLs(tx, name, urls); err != nil {
			return err
		}
		return b.audit(tx, "issuer-urls", name, []string{})
	})
}

// IssuerURLs implements ca.Store.
func (b *Bolt) IssuerURLs(ctx context.Context, name string) (ca.IssuerURLs, error) {
	var urls ca.IssuerURLs
	err := b.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketIssuers).Get([]byte(name)) == nil {
			return fmt.Errorf("%w: issuer %q", ca.ErrNotFound, name)
		}
		var err error
		urls, err = boltURLs(tx, name)
		return err
	})
	return urls, err
}

// boltURLs reads the recorded URLs of the issuer name in tx; none is zero.
func boltURLs(tx *bolt.Tx, name string) (ca.IssuerURLs, error) {
	var urls ca.IssuerURLs
	ub := tx.Bucket(bucketURLs)
	if ub == nil {
		return urls, nil
	}
	v := ub.Get([]byte(name))
	if v == nil {
		return urls, nil
	}
	if err := json.Unmarshal(v, &urls); err != nil {
		return urls, fmt.Errorf("%w: URLs of issuer %s: %v", ErrCorrupt, name, err)
	}
	return urls, nil
}
