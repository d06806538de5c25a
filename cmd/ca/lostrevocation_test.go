package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	bolt "go.etcd.io/bbolt"

	"github.com/ca-toolkit/ca/pkg/ca"
)

func init() {
	// unrevoke SERIAL: deletes the revocation record of SERIAL from the
	// home's store ($CA_HOME/ca.db) with bbolt itself, as damage or a
	// foreign edit of the file would: the key under revoked/ISSUER/, the
	// only place the store keeps a revocation. The audit log is left as it
	// is. It fails when the store holds no revocation of SERIAL.
	scriptCmds["unrevoke"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: unrevoke SERIAL")
		}
		serial, err := ca.ParseSerial(args[0])
		ts.Check(err)
		key, ok := ca.SerialKey(serial)
		if !ok {
			ts.Fatalf("serial %s does not fit a store key", args[0])
		}
		db, err := bolt.Open(filepath.Join(ts.Getenv("CA_HOME"), "ca.db"), 0o600, &bolt.Options{Timeout: 5 * time.Second})
		ts.Check(err)
		defer db.Close()
		ts.Check(db.Update(func(tx *bolt.Tx) error {
			revoked := tx.Bucket([]byte("revoked"))
			if revoked == nil {
				return fmt.Errorf("no revoked bucket")
			}
			var from []byte
			err := revoked.ForEachBucket(func(issuer []byte) error {
				if revoked.Bucket(issuer).Get(key) != nil {
					from = bytes.Clone(issuer)
				}
				return nil
			})
			if err != nil {
				return err
			}
			if from == nil {
				return fmt.Errorf("the store holds no revocation of %s", args[0])
			}
			return revoked.Bucket(from).Delete(key)
		}))
	}
	// crlflip ISSUER: flips the last byte (in the signature) of the DER of
	// ISSUER's last CRL record in the home's store, with bbolt itself.
	scriptCmds["crlflip"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: crlflip ISSUER")
		}
		db, err := bolt.Open(filepath.Join(ts.Getenv("CA_HOME"), "ca.db"), 0o600, &bolt.Options{Timeout: 5 * time.Second})
		ts.Check(err)
		defer db.Close()
		ts.Check(db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("crls")).Bucket([]byte(args[0]))
			if b == nil {
				return fmt.Errorf("issuer %s has no CRLs", args[0])
			}
			k, v := b.Cursor().Last()
			v = bytes.Clone(v)
			v[len(v)-1] ^= 1
			return b.Put(bytes.Clone(k), v)
		}))
	}
}
