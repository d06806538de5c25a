//go:build cgo

package main

// Benchmarks of issue 19 (PKCS#11): what linking cgo costs a one-shot
// process, and what signing through a token costs a batch. Run with
// -benchtime 1x, as "make bench" does.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/internal/softhsm"
)

const (
	benchCgoRuns     = 101 // processes per binary for "ca version" (median)
	benchCgoSignRuns = 31  // processes per binary for "ca sign csr" (median)
	benchHSMRows     = 500 // rows of the manifest through the token
)

// buildCgo builds ca with cgo (dynamic, libc) beside the static one of e,
// with the build tags given (the -tags of "make build": osusergo,netgo).
func (e *benchEnv) buildCgo(name, tags string) string {
	e.b.Helper()
	bin := filepath.Join(e.dir, name)
	build := exec.Command("go", "build", "-tags", tags, "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		e.b.Fatalf("build ca with cgo: %v\n%s", err, out)
	}
	return bin
}

// runBin runs bin with args and CA_HOME=home and returns how long it took
// and the CPU time (user + system) it used.
func (e *benchEnv) runBin(bin, home string, args ...string) (wall, cpu time.Duration) {
	e.b.Helper()
	c := exec.Command(bin, args...)
	c.Env = append(os.Environ(), "CA_HOME="+home)
	c.Dir = e.dir
	var err error
	var out []byte
	wall = timed(func() { out, err = c.CombinedOutput() })
	if err != nil {
		e.b.Fatalf("%s %v: %v\n%s", filepath.Base(bin), args, err, out)
	}
	return wall, c.ProcessState.UserTime() + c.ProcessState.SystemTime()
}

// BenchmarkOneShotStaticVsCgo: "ca version" and "ca sign csr" (file key)
// run by the static binary of "CGO_ENABLED=0 go build", by one linked with
// cgo (dynamic, libc), and by one linked with cgo and built with the tags
// osusergo,netgo (Go's own user and DNS lookups, as the static one), each
// in turn in one loop: medians of wall clock and CPU time, and the ratios
// to static. The figures behind docs/decisions.md, "PKCS#11 and cgo".
func BenchmarkOneShotStaticVsCgo(b *testing.B) {
	needOpenSSL(b)
	e := newBenchEnv(b)
	bins := []struct{ name, bin string }{
		{"static", e.bin}, {"cgo", e.buildCgo("ca-cgo", "")}, {"cgo_pure", e.buildCgo("ca-cgo-pure", "osusergo,netgo")},
	}
	home := e.newHome("cgo-home")
	csrPath := e.oneShotCSR()
	wall := map[string][]time.Duration{}
	cpu := map[string][]time.Duration{}
	for i := range benchCgoRuns {
		for _, v := range bins {
			w, c := e.runBin(v.bin, home, "version")
			wall[v.name+"_version"] = append(wall[v.name+"_version"], w)
			cpu[v.name+"_version"] = append(cpu[v.name+"_version"], c)
			if i >= benchCgoSignRuns {
				continue
			}
			out := filepath.Join(e.dir, v.name+"-signed.crt")
			os.Remove(out)
			w, c = e.runBin(v.bin, home, "sign", "csr", csrPath, "--out", out)
			wall[v.name+"_sign"] = append(wall[v.name+"_sign"], w)
			cpu[v.name+"_sign"] = append(cpu[v.name+"_sign"], c)
		}
	}
	for _, v := range bins {
		for _, what := range []string{"_version", "_sign"} {
			k := v.name + what
			b.ReportMetric(float64(median(wall[k]).Microseconds())/1e3, k+"_ms")
			b.ReportMetric(float64(median(cpu[k]).Microseconds())/1e3, k+"_cpu_ms")
			if v.name != "static" {
				b.ReportMetric(median(wall[k]).Seconds()/median(wall["static"+what]).Seconds(), k+"_ratio")
			}
		}
	}
}

// BenchmarkIssueManifestHSMVsFile: a manifest of benchHSMRows device
// certificates issued by an intermediate whose key is on a SoftHSM2 token,
// against the same by one whose key is a file, with the same cgo binary
// in the same run; certificates per second and the ratio token / file.
func BenchmarkIssueManifestHSMVsFile(b *testing.B) {
	softhsm.Available(b)
	e := newBenchEnv(b)
	cgo := e.buildCgo("ca-cgo", "osusergo,netgo")
	conf, err := softhsm.Conf(filepath.Join(e.dir, "softhsm"))
	if err == nil {
		err = softhsm.InitToken(conf, "T")
	}
	pin := filepath.Join(e.dir, "pin")
	if err == nil {
		err = os.WriteFile(pin, []byte(softhsm.PIN+"\n"), 0o600)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Setenv("SOFTHSM2_CONF", conf)
	b.Setenv("CA_PKCS11_MODULE", softhsm.Module)
	b.Setenv("CA_PKCS11_PIN_FILE", pin)
	file := e.newHome("file-home")
	token := filepath.Join(e.dir, "token-home")
	e.runBin(cgo, token, "init", "--cn", "Bench Root", "--org", "Example", "--country", "DE", "--key-uri", "pkcs11:token=T;object=root")
	e.runBin(cgo, token, "intermediate", "create", "--name", "issuing", "--cn", "Bench Issuing CA", "--key-uri", "pkcs11:token=T;object=issuing")
	manifest := filepath.Join(e.dir, "devices.csv")
	writeManifest(b, manifest, benchHSMRows)
	run := func(home, out string) time.Duration {
		c := exec.Command(cgo, "issue", "--manifest", manifest, "--out-dir", filepath.Join(e.dir, out), "--no-passphrase", "-o", "json")
		c.Env = append(os.Environ(), "CA_HOME="+home)
		var data []byte
		var err error
		d := timed(func() { data, err = c.Output() })
		var sum struct{ Issued int }
		if err != nil || json.Unmarshal(data, &sum) != nil || sum.Issued != benchHSMRows {
			b.Fatalf("manifest through %s issued %d of %d (%v)", out, sum.Issued, benchHSMRows, err)
		}
		return d
	}
	fileTime := run(file, "file-certs")
	tokenTime := run(token, "token-certs")
	b.ReportMetric(benchHSMRows/fileTime.Seconds(), "file_certs/s")
	b.ReportMetric(benchHSMRows/tokenTime.Seconds(), "softhsm_certs/s")
	b.ReportMetric(fileTime.Seconds()/tokenTime.Seconds(), "ratio_of_file")
}
