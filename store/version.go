package store

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// Version returns a number that grows with every change to the store: the
// sequence number of its last audit record, which every change appends in
// its own transaction (0 for a store without one). Readers that keep a
// copy of the store (ca publish) reread it only when Version moves.
func (b *Bolt) Version() (uint64, error) {
	var v uint64
	err := b.view(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bucketAudit).Cursor().Last(); len(k) == 8 {
			v = binary.BigEndian.Uint64(k)
		}
		return nil
	})
	return v, err
}
