// Command minsign is the benchmarks' reference for a lean one-shot signer
// written in Go: it signs one CSR with an unencrypted CA key, records the
// serial in a bbolt file (a transaction with fsync, as ca does) while it
// writes and syncs the certificate to a temp file, then renames it into
// place and syncs the directory, as ca does; with none of ca's policy,
// audit, command line or other commands. It is built by
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
	// The file is written and synced while the transaction commits; its
	// name appears after.
	out := args[4]
	tmp := out + ".tmp"
	written := make(chan error, 1)
	go func() { written <- writeTemp(tmp, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})) }()
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
	if werr := <-written; err == nil {
		err = werr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(out))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
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

// writeTemp writes data to a new file tmp and syncs it.
func writeTemp(tmp string, data []byte) error {
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
	return f.Close()
}
