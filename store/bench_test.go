package store

import (
	"context"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// benchStore returns a store with n certificates recorded in batches of 100
// (so n/100 audit records), without fsync.
func benchStore(b *testing.B, n int) *Bolt {
	b.Helper()
	st, err := Open(filepath.Join(b.TempDir(), "ca.db"), Options{Create: true, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	s := &suite{t: b, st: st, ctx: context.Background()}
	s.issuer("root", "", 1)
	for i := 0; i < n; i += 100 {
		var certs []*ca.CertRecord
		for j := i; j < i+100 && j < n; j++ {
			certs = append(certs, s.cert(int64(1000+j), "root", "c", time.Now().Add(time.Hour)))
		}
		if _, err := st.AddCertificates(s.ctx, certs); err != nil {
			b.Fatal(err)
		}
	}
	return st
}

// BenchmarkCheck: the full store check of a store of 10,000 certificates.
func BenchmarkCheck(b *testing.B) {
	st := benchStore(b, 10000)
	defer st.Close()
	b.ResetTimer()
	for b.Loop() {
		if p := st.Check(); len(p) > 0 {
			b.Fatal(p)
		}
	}
}

// BenchmarkBackup: an online backup of a store of 10,000 certificates
// (bytes/s is the copy's throughput).
func BenchmarkBackup(b *testing.B) {
	st := benchStore(b, 10000)
	defer st.Close()
	n, err := st.Backup(io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(n)
	b.ResetTimer()
	for b.Loop() {
		if _, err := st.Backup(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyAudit: verifying an audit chain of 10,000 records.
func BenchmarkVerifyAudit(b *testing.B) {
	st, err := Open(filepath.Join(b.TempDir(), "ca.db"), Options{Create: true, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	s := &suite{t: b, st: st, ctx: context.Background()}
	s.issuer("root", "", 1)
	for i := range 9999 {
		if err := st.AddCRL(s.ctx, &ca.CRLRecord{Issuer: "root", Number: bigInt(i + 1), DER: []byte{0x30, 0}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if sum, err := st.VerifyAudit(""); err != nil || sum.Records != 10000 {
			b.Fatal(sum.Records, err)
		}
	}
}

func bigInt(n int) *big.Int { return big.NewInt(int64(n)) }

// BenchmarkCheckFile: the file check every Open runs, on a store of
// 100,000 certificates.
func BenchmarkCheckFile(b *testing.B) {
	st := benchStore(b, 100000)
	path := st.Path()
	st.Close()
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		st, err := Open(path, Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		st.Close()
	}
	b.ReportMetric(float64(fi.Size())/(1<<20), "MiB")
}

// BenchmarkCheckFileOnly: checkFile alone, light on a store of 100,000
// certificates, full on one of 5,000.
func BenchmarkCheckFileOnly(b *testing.B) {
	for _, c := range []struct {
		n    int
		full bool
	}{{100000, false}, {5000, true}} {
		b.Run(fmt.Sprintf("n=%d/full=%t", c.n, c.full), func(b *testing.B) {
			st := benchStore(b, c.n)
			path := st.Path()
			st.Close()
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			fi, _ := f.Stat()
			b.ResetTimer()
			for b.Loop() {
				if err := checkFile(f, fi.Size(), c.full); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(fi.Size())/(1<<20), "MiB")
		})
	}
}
