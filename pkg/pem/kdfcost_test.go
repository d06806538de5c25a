package pem

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"testing"
	"time"

	"golang.org/x/crypto/scrypt"
)

// testKDFCost keeps the tests that encrypt keys fast; TestKDFCost checks
// the default.
const testKDFCost = MinKDFCost

// scryptN returns the N of an encrypted key's scrypt parameters.
func scryptN(t testing.TB, data []byte) int {
	t.Helper()
	der, _, err := Decode(data, MaxSize, TypeEncryptedKey)
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Algo pkix.AlgorithmIdentifier
		Data []byte
	}
	var pbes2 struct{ KDF, Enc pkix.AlgorithmIdentifier }
	var p struct {
		Salt                  []byte
		Cost, Block, Parallel int
	}
	if _, err := asn1.Unmarshal(der, &info); err != nil {
		t.Fatal(err)
	}
	if _, err := asn1.Unmarshal(info.Algo.Parameters.FullBytes, &pbes2); err != nil {
		t.Fatal(err)
	}
	if _, err := asn1.Unmarshal(pbes2.KDF.Parameters.FullBytes, &p); err != nil {
		t.Fatal(err)
	}
	if p.Block != 8 || p.Parallel != 1 {
		t.Errorf("scrypt r=%d p=%d, want 8 and 1", p.Block, p.Parallel)
	}
	return p.Cost
}

// TestKDFCost: new keys use N=2^DefaultKDFCost unless asked otherwise; every
// cost in range opens, one out of range is refused before any work.
func TestKDFCost(t *testing.T) {
	key, err := GenerateKey(ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	pass := []byte("correct horse")
	def, err := MarshalPrivateKey(key, pass)
	if err != nil {
		t.Fatal(err)
	}
	if n := scryptN(t, def); n != 1<<DefaultKDFCost {
		t.Errorf("default N = %d, want 2^%d", n, DefaultKDFCost)
	}
	for _, cost := range []int{MinKDFCost, 14, DefaultKDFCost} {
		data := def
		if cost != DefaultKDFCost {
			if data, err = MarshalPrivateKeyCost(key, pass, cost); err != nil {
				t.Fatal(err)
			}
		}
		if n := scryptN(t, data); n != 1<<cost {
			t.Errorf("cost %d: N = %d", cost, n)
		}
		if _, err := ParsePrivateKey(data, pass); err != nil {
			t.Errorf("cost %d: %v", cost, err)
		}
	}
	for _, cost := range []int{MinKDFCost - 1, MaxKDFCost + 1, 0} {
		if _, err := MarshalPrivateKeyCost(key, pass, cost); !errors.Is(err, ErrKDFCost) {
			t.Errorf("cost %d: %v, want ErrKDFCost", cost, err)
		}
	}
}

// BenchmarkKDFCost reports the cost of opening an encrypted key at 2^14
// (openssl's) and at DefaultKDFCost, with "x-scrypt": the time per open as
// a ratio to Go's scrypt.Key with the same parameters, measured in the same
// run (what a brute-force guess costs relative to the bare KDF).
func BenchmarkKDFCost(b *testing.B) {
	key, err := GenerateKey(ECDSAP256)
	if err != nil {
		b.Fatal(err)
	}
	pass := []byte("correct horse")
	for _, cost := range []int{14, DefaultKDFCost} {
		data, err := MarshalPrivateKeyCost(key, pass, cost)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("N=2^%d", cost), func(b *testing.B) {
			start := time.Now()
			const rounds = 3
			for range rounds {
				if _, err := scrypt.Key(pass, make([]byte, 16), 1<<cost, 8, 1, 32); err != nil {
					b.Fatal(err)
				}
			}
			baseline := time.Since(start) / rounds
			b.ResetTimer()
			for b.Loop() {
				if _, err := ParsePrivateKey(data, pass); err != nil {
					b.Fatal(err)
				}
			}
			perOp := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(perOp)/float64(baseline), "x-scrypt")
			b.ReportMetric(float64(int64(128*8)<<cost)/(1<<20), "MiB") // 128·N·r
		})
	}
}
