package crl_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/internal/linttest"
	"github.com/ca-toolkit/ca/internal/testtool"
	"github.com/ca-toolkit/ca/pkg/crl"
)

// sortedEntries makes n entries with serials in ascending order, 20-octet
// serials as the toolkit issues them.
func sortedEntries(n int) []crl.Entry {
	entries := make([]crl.Entry, n)
	base := new(big.Int).Lsh(big.NewInt(1), 150)
	for i := range entries {
		entries[i] = crl.Entry{Serial: new(big.Int).Add(base, big.NewInt(int64(i)*7919)), RevokedAt: t0.Add(-time.Duration(i) * time.Second), Reason: i % 6}
		if i%5 == 0 {
			entries[i].InvalidityDate = t0.Add(-48 * time.Hour)
		}
	}
	return entries
}

// TestStream checks a few thousand entries streamed for every key type:
// Go parses the CRL and its signature, zlint finds nothing, openssl reads it.
func TestStream(t *testing.T) {
	entries := sortedEntries(3000)
	openssl := testtool.Require(t, "openssl")
	for name, key := range keys(t) {
		t.Run(name, func(t *testing.T) {
			issuer := newIssuer(t, key, x509.KeyUsageCertSign|x509.KeyUsageCRLSign, true)
			var out bytes.Buffer
			n, err := crl.Stream(&out, issuer, key, crl.Template{Number: big.NewInt(7), ThisUpdate: t0, NextUpdate: t0.Add(24 * time.Hour)}, crl.SliceSource(entries))
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(out.Len()) {
				t.Fatalf("Stream says %d bytes, wrote %d", n, out.Len())
			}
			list, err := x509.ParseRevocationList(out.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if err := list.CheckSignatureFrom(issuer); err != nil {
				t.Fatal(err)
			}
			if len(list.RevokedCertificateEntries) != len(entries) || list.Number.Int64() != 7 {
				t.Fatalf("%d entries, number %s", len(list.RevokedCertificateEntries), list.Number)
			}
			for i, e := range list.RevokedCertificateEntries {
				if e.SerialNumber.Cmp(entries[i].Serial) != 0 || e.ReasonCode != entries[i].Reason || !e.RevocationTime.Equal(entries[i].RevokedAt) {
					t.Fatalf("entry %d: %x reason %d at %s", i, e.SerialNumber, e.ReasonCode, e.RevocationTime)
				}
			}
			linttest.CRL(t, out.Bytes())
			path := filepath.Join(t.TempDir(), "c.crl")
			if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			if msg, err := exec.Command(openssl, "crl", "-inform", "DER", "-in", path, "-noout", "-crlnumber").CombinedOutput(); err != nil || !bytes.Contains(msg, []byte("crlNumber=0x07")) {
				t.Fatalf("openssl crl: %v\n%s", err, msg)
			}
		})
	}
}

func TestStreamRefuses(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	issuer := newIssuer(t, key, x509.KeyUsageCertSign|x509.KeyUsageCRLSign, true)
	tmpl := crl.Template{Number: big.NewInt(1), ThisUpdate: t0, NextUpdate: t0.Add(time.Hour)}
	entries := sortedEntries(10)
	unsorted := append([]crl.Entry{entries[3]}, entries...)
	if _, err := crl.Stream(&bytes.Buffer{}, issuer, key, tmpl, crl.SliceSource(unsorted)); !errors.Is(err, crl.ErrInvalid) {
		t.Errorf("unsorted entries: %v, want ErrInvalid", err)
	}
	// A source that gives more in a later pass than in the first.
	pass := 0
	growing := func(visit func(crl.Entry) error) error {
		pass++
		for _, e := range entries[:5+pass] {
			if err := visit(e); err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := crl.Stream(&bytes.Buffer{}, issuer, key, tmpl, growing); !errors.Is(err, crl.ErrSourceChanged) {
		t.Errorf("changing source: %v, want ErrSourceChanged", err)
	}
	failing := func(func(crl.Entry) error) error { return errors.New("store gone") }
	if _, err := crl.Stream(&bytes.Buffer{}, issuer, key, tmpl, failing); err == nil || err.Error() != "store gone" {
		t.Errorf("failing source: %v", err)
	}
}

// BenchmarkStream compares Stream (entries produced on the fly, as a store
// cursor yields them, the CRL written to a discarding writer) with Go's
// x509.CreateRevocationList building the same CRL from a slice, in the same
// loop. x-vs-x509 is the time ratio (goal: at most 0.5); heap-x-vs-x509 the
// ratio of the peak heap each reached above the heap before it started
// (goal: at most 0.1), sampled by a goroutine every millisecond.
func BenchmarkStream(b *testing.B) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	issuer := newIssuer(b, key, x509.KeyUsageCertSign|x509.KeyUsageCRLSign, true)
	base := new(big.Int).Lsh(big.NewInt(1), 150)
	for _, n := range []int{200_000, 1_000_000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			gen := func(visit func(crl.Entry) error) error {
				s := new(big.Int)
				for i := range n {
					s.Add(base, big.NewInt(int64(i)*7919))
					if err := visit(crl.Entry{Serial: s, RevokedAt: t0, Reason: i % 6}); err != nil {
						return err
					}
				}
				return nil
			}
			tmpl := crl.Template{Number: big.NewInt(1), ThisUpdate: t0, NextUpdate: t0.Add(time.Hour)}
			var ours, theirs time.Duration
			var oursHeap, theirsHeap uint64
			for b.Loop() {
				var size int64
				d, h := peakHeap(func() {
					var err error
					size, err = crl.Stream(discard{}, issuer, key, tmpl, gen)
					if err != nil {
						b.Fatal(err)
					}
				})
				ours, oursHeap = ours+d, max(oursHeap, h)
				b.ReportMetric(float64(size)/1e6, "MB-crl")
				d, h = peakHeap(func() {
					raw := make([]x509.RevocationListEntry, 0, n)
					gen(func(e crl.Entry) error {
						raw = append(raw, x509.RevocationListEntry{SerialNumber: new(big.Int).Set(e.Serial), RevocationTime: e.RevokedAt, ReasonCode: e.Reason})
						return nil
					})
					if _, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: t0, NextUpdate: t0.Add(time.Hour), RevokedCertificateEntries: raw}, issuer, key); err != nil {
						b.Fatal(err)
					}
				})
				theirs, theirsHeap = theirs+d, max(theirsHeap, h)
			}
			b.ReportMetric(float64(ours)/float64(theirs), "x-vs-x509")
			b.ReportMetric(float64(oursHeap)/float64(theirsHeap), "heap-x-vs-x509")
			b.ReportMetric(float64(oursHeap)/1e6, "MB-heap-stream")
			b.ReportMetric(float64(theirsHeap)/1e6, "MB-heap-x509")
		})
	}
}

// peakHeap runs fn and returns how long it took and the highest heap in
// use above the heap before it, sampled every millisecond.
func peakHeap(fn func()) (time.Duration, uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.HeapInuse
	done := make(chan uint64)
	stop := make(chan struct{})
	go func() {
		var peak uint64
		var m runtime.MemStats
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-stop:
				done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	fn()
	d := time.Since(start)
	close(stop)
	peak := <-done
	if peak < before {
		return d, 0
	}
	return d, peak - before
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
