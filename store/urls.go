package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

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
	return decodeURLs(name, v)
}

// decodeURLs decodes the recorded URLs of the issuer name. URLs that do
// not decode, or that SetIssuerURLs's callers would never record, are
// damage (urlsProblem): ErrCorrupt, saying to restore the store.
func decodeURLs(name string, v []byte) (ca.IssuerURLs, error) {
	urls, err := urlsProblem(name, v)
	if err != nil {
		return ca.IssuerURLs{}, fmt.Errorf("%w: %v; %s", ErrCorrupt, err, restore)
	}
	return urls, nil
}

// urlsProblem decodes the recorded URLs of the issuer name and checks them
// as "ca issuer urls" did before recording them (ca.IssuerURLs.Check).
func urlsProblem(name string, v []byte) (ca.IssuerURLs, error) {
	var urls ca.IssuerURLs
	err := json.Unmarshal(v, &urls)
	if err == nil {
		err = urls.Check()
	}
	if err != nil {
		// The check words a flag's value: the usage sentinel says nothing here.
		return urls, fmt.Errorf("issuer %s: the recorded URLs are damaged: %s", name, strings.TrimPrefix(err.Error(), ca.ErrUsage.Error()+": "))
	}
	return urls, nil
}

// checkURLs checks that the recorded URLs of every issuer decode and are
// URLs an issuer may have, and that they belong to an issuer.
func checkURLs(tx *bolt.Tx, add addFunc) {
	ub := tx.Bucket(bucketURLs)
	if ub == nil {
		return
	}
	issuers := tx.Bucket(bucketIssuers)
	_ = ub.ForEach(func(k, v []byte) error {
		if issuers.Get(k) == nil {
			add("URLs are recorded for %q, which is no issuer", k)
		}
		if _, err := urlsProblem(string(k), v); err != nil {
			add("%v", err)
		}
		return nil
	})
}
