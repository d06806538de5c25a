package ca_test

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
)

// collideOnce is a store whose first AddCertificates finds every serial
// taken, as if another process had recorded them.
type collideOnce struct {
	ca.Store
	calls atomic.Int32
}

func (s *collideOnce) AddCertificates(ctx context.Context, recs []*ca.CertRecord) ([]error, error) {
	if s.calls.Add(1) == 1 {
		errs := make([]error, len(recs))
		for i := range errs {
			errs[i] = ca.ErrSerialExists
		}
		return errs, nil
	}
	return s.Store.AddCertificates(ctx, recs)
}

// failFrom is a store whose AddCertificates fails from its nth call on.
type failFrom struct {
	ca.Store
	n     int32
	calls atomic.Int32
}

var errStoreDown = errors.New("the store is down")

func (s *failFrom) AddCertificates(ctx context.Context, recs []*ca.CertRecord) ([]error, error) {
	if s.calls.Add(1) >= s.n {
		return nil, errStoreDown
	}
	return s.Store.AddCertificates(ctx, recs)
}

// batchJobs feeds n jobs signed by iss; each writes NAME.crt (the
// certificate) and NAME.key into dir. Jobs whose index fail says so fail
// in Sign.
func batchJobs(t *testing.T, iss *ca.Issuer, dir string, n int, fail func(int) bool) <-chan ca.Job {
	key, err := pem.GenerateKey(pem.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	jobs := make(chan ca.Job)
	go func() {
		defer close(jobs)
		for i := range n {
			name := fmt.Sprintf("dev-%03d", i)
			jobs <- ca.Job{
				Index: i,
				Sign: func() (*ca.Issued, error) {
					if fail(i) {
						return nil, fmt.Errorf("row %d refused", i)
					}
					return iss.SignLeaf(ca.Leaf{Subject: pkix.Name{CommonName: name + ".example.com"}, PublicKey: key.Public(),
						DNSNames: []string{name + ".example.com"}, Profile: ca.ProfileServer, Validity: 24 * time.Hour})
				},
				Files: func(is *ca.Issued) ([]ca.File, error) {
					base := filepath.Join(dir, name)
					return []ca.File{
						{Path: base + ".crt", Data: pem.Encode(pem.TypeCertificate, is.Cert.Raw)},
						{Path: base + ".key", Data: []byte("key of " + name), Mode: 0o600, NoReplace: true},
					}, nil
				},
			}
		}
	}()
	return jobs
}

// fileSerial returns the serial of the certificate in the file path.
func fileSerial(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	der, _, err := pem.Decode(data, pem.MaxSize, pem.TypeCertificate)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return ca.FormatSerial(c.SerialNumber)
}

// TestRunBatchSerialTaken: when the store finds a serial taken, Record
// signs the certificate again under a new serial; the result, the file and
// the store then all hold that new certificate, never the first one.
func TestRunBatchSerialTaken(t *testing.T) {
	st := openStore(t)
	root := newRoot(t, st, pem.ECDSAP256)
	dir := t.TempDir()
	var results []ca.Result
	err := ca.RunBatch(context.Background(), ca.BatchConfig{Store: &collideOnce{Store: st}, Placer: placer{}, OnResult: func(r ca.Result) { results = append(results, r) }},
		batchJobs(t, root, dir, 5, func(int) bool { return false }))
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 5 {
		t.Fatalf("%d results, want 5", len(results))
	}
	for _, r := range results {
		if r.Err != nil {
			t.Fatalf("job %d: %v", r.Index, r.Err)
		}
		serial := ca.FormatSerial(r.Issued.Cert.SerialNumber)
		if _, err := st.Certificate(context.Background(), r.Issued.Cert.SerialNumber); err != nil {
			t.Errorf("job %d: the reported serial %s is not recorded: %v", r.Index, serial, err)
		}
		if len(r.Files) != 2 {
			t.Fatalf("job %d: files %v", r.Index, r.Files)
		}
		if got := fileSerial(t, r.Files[0]); got != serial {
			t.Errorf("job %d: %s holds serial %s, the result says %s", r.Index, r.Files[0], got, serial)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 10 {
		t.Errorf("%d files, want 10", len(entries))
	}
}

// TestRunBatchStoreFails: with refused rows and a store that fails from
// its third commit, every job is reported exactly once (refused rows with
// their own error, the rest of the batch with the store's), every file
// written holds a recorded certificate, and no descriptor is left open.
func TestRunBatchStoreFails(t *testing.T) {
	st := openStore(t)
	root := newRoot(t, st, pem.ECDSAP256)
	dir := t.TempDir()
	fds, _ := os.ReadDir("/proc/self/fd")
	const n = 300
	seen := map[int]int{}
	var storeFailed, refused int
	err := ca.RunBatch(context.Background(),
		ca.BatchConfig{Store: &failFrom{Store: st, n: 3}, Placer: placer{}, MaxBatch: 16, OnResult: func(r ca.Result) {
			seen[r.Index]++
			switch {
			case errors.Is(r.Err, errStoreDown):
				storeFailed++
			case r.Err != nil && r.Index%7 == 0:
				refused++
			case r.Err != nil:
				t.Errorf("job %d: %v", r.Index, r.Err)
			}
		}},
		batchJobs(t, root, dir, n, func(i int) bool { return i%7 == 0 }))
	if !errors.Is(err, errStoreDown) {
		t.Fatalf("err = %v, want the store's", err)
	}
	for i := range n {
		if seen[i] != 1 {
			t.Errorf("job %d reported %d times", i, seen[i])
		}
	}
	if storeFailed == 0 || refused == 0 {
		t.Errorf("%d jobs failed with the store, %d refused; want some of each", storeFailed, refused)
	}
	crts, _ := filepath.Glob(filepath.Join(dir, "*.crt"))
	if len(crts) == 0 {
		t.Error("the commits before the failure wrote no file")
	}
	for _, crt := range crts {
		s, _ := ca.ParseSerial(fileSerial(t, crt))
		if _, err := st.Certificate(context.Background(), s); err != nil {
			t.Errorf("%s holds a certificate that is not recorded: %v", crt, err)
		}
	}
	if after, _ := os.ReadDir("/proc/self/fd"); len(after) > len(fds) {
		t.Errorf("%d descriptors open after the batch, %d before", len(after), len(fds))
	}
}

// placer is the ca.Placer cmd/ca gives RunBatch: package place's Batch.
type placer struct{}

func (placer) Stage(jobs [][]ca.File) ca.Staged {
	var files []place.File
	for n, fs := range jobs {
		for _, f := range fs {
			files = append(files, place.File{Path: f.Path, Data: f.Data, Mode: f.Mode, NoReplace: f.NoReplace, Set: n})
		}
	}
	b := place.NewBatch(files...)
	b.Write()
	return b
}
