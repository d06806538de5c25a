package ca_test

import (
	"context"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/store"
)

// TestStoreSize issues $CA_STORE_SIZE certificates (ECDSA P-256 server
// leaves, one DNS name) through the batch pipeline into a bbolt store,
// revokes 5% of them, and reports the file's size per certificate and per
// 100k, before and after the revocations (docs/revocation.md). Skipped
// unless CA_STORE_SIZE is set, like: CA_STORE_SIZE=100000 go test ./pkg/ca
// -run TestStoreSize -v.
func TestStoreSize(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CA_STORE_SIZE"))
	if n <= 0 {
		t.Skip("set CA_STORE_SIZE to the number of certificates (like 100000)")
	}
	path := filepath.Join(t.TempDir(), "ca.db")
	st, err := store.Open(path, store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	root := newRoot(t, st, pem.ECDSAP256)
	key, err := pem.GenerateKey(pem.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	jobs := make(chan ca.Job)
	go func() {
		defer close(jobs)
		for i := range n {
			name := fmt.Sprintf("dev-%07d.example.com", i)
			jobs <- ca.Job{Index: i, Sign: func() (*ca.Issued, error) {
				return root.SignLeaf(ca.Leaf{Subject: pkix.Name{CommonName: name}, PublicKey: key.Public(),
					DNSNames: []string{name}, Profile: ca.ProfileServer, Validity: 365 * 24 * time.Hour})
			}}
		}
	}()
	var serials []*big.Int
	start := time.Now()
	err = ca.RunBatch(context.Background(), ca.BatchConfig{Store: st, OnResult: func(r ca.Result) {
		if r.Err != nil {
			t.Errorf("job %d: %v", r.Index, r.Err)
			return
		}
		if len(serials) < n/20 {
			serials = append(serials, r.Issued.Cert.SerialNumber)
		}
	}}, jobs)
	if err != nil {
		t.Fatal(err)
	}
	report(t, path, n, fmt.Sprintf("%d issued in %s", n, time.Since(start).Round(time.Millisecond)))
	for i := 0; i < len(serials); i += 1000 {
		revs := make([]ca.Revocation, 0, 1000)
		for _, s := range serials[i:min(i+1000, len(serials))] {
			revs = append(revs, ca.Revocation{Serial: s, RevokedAt: time.Now(), Reason: ca.ReasonKeyCompromise})
		}
		if _, err := st.Revoke(context.Background(), revs); err != nil {
			t.Fatal(err)
		}
	}
	report(t, path, n, fmt.Sprintf("and %d of them revoked", len(serials)))
}

func report(t *testing.T, path string, n int, what string) {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	per := float64(fi.Size()) / float64(n)
	t.Logf("%s: store %d bytes, %.0f bytes per certificate, %.1f MB per 100k", what, fi.Size(), per, per*100000/1e6)
}
