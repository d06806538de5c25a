package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// pgBenchHome makes a home like newHome, on a fresh schema of the
// PostgreSQL server of the tests; it returns the home and the env naming
// the store.
func (e *benchEnv) pgBenchHome(name string) (string, []string) {
	e.b.Helper()
	base := os.Getenv("CA_TEST_POSTGRES")
	if base == "" {
		e.b.Skip("no PostgreSQL server: set CA_TEST_POSTGRES=postgres://USER@HOST:PORT/DB")
	}
	u, drop, err := pgSchema(base)
	if err != nil {
		e.b.Fatal(err)
	}
	e.b.Cleanup(drop)
	env := []string{"CA_STORE=" + u}
	home := filepath.Join(e.dir, name)
	e.runEnv(home, env, "init", "--cn", "Bench Root", "--org", "Example", "--country", "DE", "--no-passphrase")
	e.runEnv(home, env, "intermediate", "create", "--name", "issuing", "--cn", "Bench Issuing CA", "--no-passphrase")
	return home, env
}

func (e *benchEnv) runEnv(home string, env []string, args ...string) []byte {
	e.b.Helper()
	c := e.cmd(home, args...)
	c.Env = append(c.Env, env...)
	out, err := c.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		e.b.Fatalf("ca %v: %v\n%s", args, err, msg)
	}
	return out
}

// manifestOn issues n rows from a manifest into home (env naming its store).
func (e *benchEnv) manifestOn(home string, env []string, n int) time.Duration {
	e.b.Helper()
	manifest := filepath.Join(e.dir, filepath.Base(home)+".csv")
	writeManifest(e.b, manifest, n)
	var out []byte
	d := timed(func() {
		out = e.runEnv(home, env, "issue", "--manifest", manifest, "--out-dir", filepath.Join(e.dir, filepath.Base(home)+"-devices"), "--no-passphrase", "-o", "json")
	})
	var sum struct{ Issued int }
	if json.Unmarshal(out, &sum) != nil || sum.Issued != n {
		e.b.Fatalf("manifest issued %d of %d", sum.Issued, n)
	}
	return d
}

// BenchmarkPostgresVsBolt: "ca issue --manifest" of 10k rows, and one-shot
// "ca sign csr" (median of several processes), on a PostgreSQL store
// against a bbolt one in the same run. pg_throughput_ratio is bbolt's time
// over PostgreSQL's for the manifest (goal: at least 0.5);
// oneshot_ratio the same for one sign. Needs $CA_TEST_POSTGRES and openssl
// (for the CSR).
func BenchmarkPostgresVsBolt(b *testing.B) {
	needOpenSSL(b)
	e := newBenchEnv(b)
	pgHome, pgEnv := e.pgBenchHome("pg-home")
	boltHome := e.newHome("bolt-home")
	rows := benchManifestRows
	if v := os.Getenv("CA_BENCH_ROWS"); v != "" {
		fmt.Sscan(v, &rows)
	}
	boltTime := e.manifestOn(boltHome, nil, rows)
	pgTime := e.manifestOn(pgHome, pgEnv, rows)
	csrPath := e.oneShotCSR()
	var boltRuns, pgRuns []time.Duration
	for i := range benchOneShotRuns {
		boltRuns = append(boltRuns, timed(func() {
			e.runEnv(boltHome, nil, "sign", "csr", csrPath, "--out", filepath.Join(e.dir, fmt.Sprintf("b%d.crt", i)))
		}))
		pgRuns = append(pgRuns, timed(func() {
			e.runEnv(pgHome, pgEnv, "sign", "csr", csrPath, "--out", filepath.Join(e.dir, fmt.Sprintf("p%d.crt", i)))
		}))
	}
	b.ReportMetric(float64(rows), "rows")
	b.ReportMetric(boltTime.Seconds(), "bolt_manifest_s")
	b.ReportMetric(pgTime.Seconds(), "pg_manifest_s")
	b.ReportMetric(boltTime.Seconds()/pgTime.Seconds(), "pg_throughput_ratio")
	b.ReportMetric(float64(median(boltRuns).Milliseconds()), "bolt_sign_ms")
	b.ReportMetric(float64(median(pgRuns).Milliseconds()), "pg_sign_ms")
	b.ReportMetric(median(boltRuns).Seconds()/median(pgRuns).Seconds(), "oneshot_ratio")
}
