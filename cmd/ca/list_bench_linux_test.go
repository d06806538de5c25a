package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/store"
)

// benchListCerts is the number of certificates of BenchmarkList;
// $CA_BENCH_LIST_CERTS sets another for a quick run.
const benchListCerts = 1_000_000

// listRun is what one list process did, seen from its stdout.
type listRun struct {
	firstByte, total time.Duration
	rssKB            int64
	bytes            int64
	sum              [sha256.Size]byte
}

// BenchmarkList: "ca -o json list" and "ca list" (the table) over a store
// of a million certificates, each against testdata/listjson (a minimal Go
// program that reads the same bbolt file and writes the same JSON with
// encoding/json) run in the same benchmark: time to the first byte of
// stdout, total time and peak RSS, as ratios to the baseline's. The JSON
// of ca and of the baseline must be the same bytes. The store is built
// through the store API from pre-made records that share one DER (ca list
// reads none).
func BenchmarkList(b *testing.B) {
	n := benchListCerts
	if s := os.Getenv("CA_BENCH_LIST_CERTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	e := newBenchEnv(b)
	home := e.newHome("list-home")
	fillListBench(b, home, n)
	db := filepath.Join(home, "ca.db")
	base := e.buildListJSON()
	for range b.N {
		measureList(b, base, db) // warms the page cache for all three
		bl := measureList(b, base, db)
		js := measureList(b, e.bin, "--home", home, "-o", "json", "list")
		tab := measureList(b, e.bin, "--home", home, "list")
		if js.sum != bl.sum {
			b.Fatalf("ca's JSON (%d bytes) is not the baseline's (%d bytes)", js.bytes, bl.bytes)
		}
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
		b.ReportMetric(ms(bl.firstByte), "base_first_ms")
		b.ReportMetric(ms(bl.total), "base_total_ms")
		b.ReportMetric(float64(bl.rssKB)/1024, "base_rss_MB")
		for _, m := range []struct {
			name string
			r    listRun
		}{{"json", js}, {"table", tab}} {
			b.ReportMetric(ms(m.r.firstByte), m.name+"_first_ms")
			b.ReportMetric(ms(m.r.total), m.name+"_total_ms")
			b.ReportMetric(float64(m.r.rssKB)/1024, m.name+"_rss_MB")
			b.ReportMetric(m.r.firstByte.Seconds()/bl.firstByte.Seconds(), m.name+"_first_ratio")
			b.ReportMetric(m.r.total.Seconds()/bl.total.Seconds(), m.name+"_total_ratio")
			b.ReportMetric(float64(m.r.rssKB)/float64(bl.rssKB), m.name+"_rss_ratio")
		}
	}
}

// measureList runs prog with args under ca-maxrss and times its stdout:
// the first byte and the end, from the start of the process.
func measureList(b *testing.B, prog string, args ...string) listRun {
	b.Helper()
	rssFile := filepath.Join(b.TempDir(), "maxrss")
	cmd := exec.Command("ca-maxrss", append([]string{prog}, args...)...)
	cmd.Env = append(os.Environ(), "CA_TEST_MAXRSS_OUT="+rssFile)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	var r listRun
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	out := bufio.NewReaderSize(stdout, 1<<20)
	if _, err := out.Peek(1); err != nil {
		b.Fatalf("%s: no output: %v", prog, err)
	}
	r.firstByte = time.Since(start)
	h := sha256.New()
	if r.bytes, err = io.Copy(h, out); err != nil {
		b.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		b.Fatalf("%s %v: %v", prog, args, err)
	}
	r.total = time.Since(start)
	h.Sum(r.sum[:0])
	data, err := os.ReadFile(rssFile)
	if err != nil {
		b.Fatal(err)
	}
	if r.rssKB, err = strconv.ParseInt(string(data), 10, 64); err != nil {
		b.Fatal(err)
	}
	return r
}

// buildListJSON builds testdata/listjson, static as ca is.
func (e *benchEnv) buildListJSON() string {
	e.b.Helper()
	bin := filepath.Join(e.dir, "listjson")
	build := exec.Command("go", "build", "-o", bin, "./testdata/listjson")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		e.b.Fatalf("build listjson: %v\n%s", err, out)
	}
	return bin
}

// fillListBench adds n device certificates of the home's "issuing" to its
// store, 10,000 a transaction without fsync: sequential serials,
// notBefore spread over the last 390 days (so that the notBefore order is
// not the serial order), a tenth of them 400 days earlier (expired), a
// 397-day validity, one DNS name, and one real certificate's DER for all.
func fillListBench(b *testing.B, home string, n int) {
	st, err := store.Open(filepath.Join(home, "ca.db"), store.Options{NoSync: true, Timeout: 5 * time.Second, Actor: ca.Actor{Command: "bench"}})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "device-0000000.factory.example.com"},
		DNSNames: []string{"device-0000000.factory.example.com"}, NotBefore: time.Now(), NotAfter: time.Now().Add(397 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		b.Fatal(err)
	}
	rng := mrand.New(mrand.NewPCG(3, 4))
	now := time.Now().Truncate(time.Second)
	batch := make([]*ca.CertRecord, 0, 10000)
	for i := range n {
		name := fmt.Sprintf("device-%07d.factory.example.com", i)
		// Valid for a week at least, or expired three days ago at least:
		// no state changes between the runs compared.
		nb := now.Add(-time.Duration(rng.IntN(390*24*3600)) * time.Second)
		if i%10 == 0 {
			nb = nb.Add(-400 * 24 * time.Hour)
		}
		batch = append(batch, &ca.CertRecord{
			Serial: new(big.Int).SetUint64(1<<62 + uint64(i)), Issuer: "issuing", Profile: "device",
			Subject: "CN=" + name + ",O=Example,C=DE", SANs: []string{name},
			NotBefore: nb, NotAfter: nb.Add(397 * 24 * time.Hour), DER: der,
		})
		if len(batch) == cap(batch) || i == n-1 {
			errs, err := st.AddCertificates(context.Background(), batch)
			if err != nil {
				b.Fatal(err)
			}
			for _, err := range errs {
				if err != nil {
					b.Fatal(err)
				}
			}
			batch = batch[:0]
		}
	}
}
