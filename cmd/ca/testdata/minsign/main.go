// Command minsign is the benchmarks' floor for a one-shot signer written in
// Go: it signs one CSR with an unencrypted CA key, records the serial in a
// bbolt file (a transaction with fsync, as ca does) and writes the
// certificate durably (temp file, fsync, rename, directory fsync), with
// none of ca's policy, command line or other commands. It is built by
// BenchmarkSignCSROneShotVsOpenSSL only.
//
//	minsign CA.crt CA.key REQ.csr DB OUT
package main

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "minsign:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 5 {
		return fmt.Errorf("usage: minsign CA.crt CA.key REQ.csr DB OUT")
	}
	caCert, err := x509.ParseCertificate(readPEM(args[0]))
	if err != nil {
		return err
	}
	key, err := x509.ParsePKCS8PrivateKey(readPEM(args[1]))
	if err != nil {
		return err
	}
	req, err := x509.ParseCertificateRequest(readPEM(args[2]))
	if err != nil {
		return err
	}
	if err := req.CheckSignature(); err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 159))
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: req.Subject, DNSNames: req.DNSNames,
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(90 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, req.PublicKey, key.(crypto.Signer))
	if err != nil {
		return err
	}
	db, err := bolt.Open(args[3], 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("certs"))
		if err != nil {
			return err
		}
		if b.Get(serial.Bytes()) != nil {
			return fmt.Errorf("serial taken")
		}
		return b.Put(serial.Bytes(), der)
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return writeFile(args[4], pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func readPEM(path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil
	}
	return block.Bytes
}

// writeFile writes data to path durably: temp file, fsync, rename, directory fsync.
func writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
