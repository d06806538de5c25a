// Command listjson is the benchmarks' reference for "ca -o json list": a
// minimal Go program that reads every certificate record of a home's bbolt
// store in notBefore order (the issued index), as ca does, and writes the
// same JSON array with encoding/json, the plain way: the rows in a slice,
// one json.MarshalIndent, one write. It knows no revocations (the
// benchmark's store has none) and none of ca's checks. It is built by
// BenchmarkList only.
//
//	listjson CA.DB
package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// record is the JSON of a certificate in the store's certs bucket (the
// fields a list shows).
type record struct {
	Issuer    string    `json:"issuer"`
	Subject   string    `json:"subject"`
	SANs      []string  `json:"sans"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	Profile   string    `json:"profile"`
}

// entry is one row of the list, as ca writes it.
type entry struct {
	Serial    string     `json:"serial"`
	Issuer    string     `json:"issuer"`
	Subject   string     `json:"subject"`
	SANs      []string   `json:"sans"`
	NotBefore time.Time  `json:"notBefore"`
	NotAfter  time.Time  `json:"notAfter"`
	Status    string     `json:"status"`
	RevokedAt *time.Time `json:"revokedAt"`
	Reason    *string    `json:"reason"`
	Profile   string     `json:"profile"`
	RenewalOf *string    `json:"renewalOf"`
	RenewedBy *string    `json:"renewedBy"`
}

func main() {
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "listjson:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	now := time.Now()
	var rows []entry
	err = db.View(func(tx *bolt.Tx) error {
		certs := tx.Bucket([]byte("certs"))
		return tx.Bucket([]byte("issued")).ForEach(func(k, _ []byte) error {
			var r record
			if err := json.Unmarshal(certs.Get(k[8:]), &r); err != nil {
				return err
			}
			e := entry{
				Serial: hex.EncodeToString(new(big.Int).SetBytes(k[8:]).Bytes()), Issuer: r.Issuer, Subject: r.Subject,
				SANs: r.SANs, NotBefore: r.NotBefore.UTC(), NotAfter: r.NotAfter.UTC(), Status: "valid", Profile: r.Profile,
			}
			if e.SANs == nil {
				e.SANs = []string{}
			}
			if now.After(r.NotAfter) {
				e.Status = "expired"
			}
			rows = append(rows, e)
			return nil
		})
	})
	db.Close()
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []entry{}
	}
	out, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(append(out, '\n'))
	return err
}
