package main

// Benchmarks of provisioning ("make bench"). Each compares ca with a
// baseline measured in the same run and reports the ratio with
// b.ReportMetric; none times anything against a fixed number. Each does its
// measurement once per call (about 5 to 60 seconds), so run them with
// -benchtime 1x, as "make bench" does. The ca binary is built from this
// package and run as a process, as a user runs it; the CA keys are
// unencrypted. Benchmarks that compare with openssl skip when it is missing.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/store"
)

const (
	benchManifestRows = 10000  // the factory batch
	benchOpenSSLRows  = 200    // rows of the openssl shell loop
	benchOneShotRuns  = 15     // processes per side in the one-shot benchmarks (median)
	benchStoreCerts   = 100000 // certificates in the "full" store
)

// benchEnv is a built ca binary and a work directory.
type benchEnv struct {
	b   *testing.B
	bin string
	dir string
}

// newBenchEnv builds ca into a fresh work directory: under $CA_BENCH_DIR
// when set ("make bench" sets it to .bench in the repository), else in the
// system's temp directory. The place matters on some file systems: on ext4
// without a journal, creating files where many were deleted in the last
// minutes (a busy /tmp) costs ten times more, which would measure the
// neighbours rather than ca.
func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	dir := b.TempDir()
	if root := os.Getenv("CA_BENCH_DIR"); root != "" {
		if err := os.MkdirAll(root, 0o755); err != nil {
			b.Fatal(err)
		}
		spreadSubdirs(root)
		d, err := os.MkdirTemp(root, strings.ReplaceAll(b.Name(), "/", "_")+"-")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(d) })
		dir = d
	}
	bin := filepath.Join(dir, "ca")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0") // as "make build-static" does; BenchmarkOneShotStaticVsCgo measures what cgo adds
	out, err := build.CombinedOutput()
	if err != nil {
		b.Fatalf("build ca: %v\n%s", err, out)
	}
	return &benchEnv{b: b, bin: bin, dir: dir}
}

// run runs ca with CA_HOME=home and returns its stdout; it fails the benchmark on error.
func (e *benchEnv) run(home string, args ...string) []byte {
	e.b.Helper()
	out, err := e.cmd(home, args...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		e.b.Fatalf("ca %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	return out
}

func (e *benchEnv) cmd(home string, args ...string) *exec.Cmd {
	c := exec.Command(e.bin, args...)
	c.Env = append(os.Environ(), "CA_HOME="+home)
	c.Dir = e.dir
	return c
}

// newHome makes a home with a root and an intermediate "issuing", both
// with unencrypted P-256 keys.
func (e *benchEnv) newHome(name string) string {
	home := filepath.Join(e.dir, name)
	e.run(home, "init", "--cn", "Bench Root", "--org", "Example", "--country", "DE", "--no-passphrase")
	e.run(home, "intermediate", "create", "--name", "issuing", "--cn", "Bench Issuing CA", "--no-passphrase")
	return home
}

// timed returns how long fn took.
func timed(fn func()) time.Duration {
	start := time.Now()
	fn()
	return time.Since(start)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// writeManifest writes a manifest of n device certificates.
func writeManifest(b *testing.B, path string, n int) {
	var buf bytes.Buffer
	buf.WriteString("cn,dns,profile\n")
	for i := range n {
		name := fmt.Sprintf("dev-%06d.devices.example.com", i)
		fmt.Fprintf(&buf, "%s,%s,device\n", name, name)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
}

// manifestTime is the time of the 10k-row manifest run, measured once per
// process and shared by the benchmarks that compare it: a second run would
// follow the deletion of the first one's 30k files, which some file
// systems (ext4 without a journal) make slow to allocate inodes after.
var manifestTime struct {
	once      sync.Once
	wall, cpu time.Duration
}

// manifestRun issues a 10k-row manifest through the real pipeline (fsync
// on) and returns the time it took and the CPU time (user + system) of the
// ca process.
func (e *benchEnv) manifestRun() (wall, cpu time.Duration) {
	manifestTime.once.Do(func() { manifestTime.wall, manifestTime.cpu = e.runManifest() })
	if manifestTime.wall == 0 {
		e.b.Fatal("the manifest run failed")
	}
	return manifestTime.wall, manifestTime.cpu
}

func (e *benchEnv) runManifest() (wall, cpu time.Duration) {
	e.b.Helper()
	home := e.newHome("manifest-home")
	manifest := filepath.Join(e.dir, "devices.csv")
	writeManifest(e.b, manifest, benchManifestRows)
	cmd := e.cmd(home, "issue", "--manifest", manifest, "--out-dir", filepath.Join(e.dir, "devices"), "--no-passphrase", "-o", "json")
	var out []byte
	var err error
	wall = timed(func() { out, err = cmd.Output() })
	var sum struct{ Issued int }
	if err != nil || json.Unmarshal(out, &sum) != nil || sum.Issued != benchManifestRows {
		e.b.Fatalf("manifest run issued %d of %d (%v)", sum.Issued, benchManifestRows, err)
	}
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// goBaseline makes n P-256 keys and certificates with Go's crypto on all
// cores, as fast as Go can: the ceiling for a CA that makes keys. With dir
// set, it also writes each one's three files there plainly (PKCS#8 key,
// certificate, chain; created in place, no temp file, no store, one syncfs
// at the end), from 8 goroutines as ca's file writers: a reference for a
// CA that also hands out durable files. It returns the time it took and
// the CPU time it used.
func goBaseline(b *testing.B, n int, dir string) (wall, cpu time.Duration) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Baseline CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		b.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	cpu0 := processCPU(b)
	wall = timed(func() {
		var wg sync.WaitGroup
		workers := runtime.GOMAXPROCS(0)
		if dir != "" {
			workers = max(workers, 8) // the kernel's waits overlap, as in place.Batch
		}
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
					if err != nil {
						b.Error(err)
						return
					}
					name := fmt.Sprintf("dev-%06d.devices.example.com", i)
					tmpl := &x509.Certificate{
						SerialNumber: big.NewInt(int64(i + 2)), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
						NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(12 * time.Hour),
						KeyUsage:    x509.KeyUsageDigitalSignature,
						ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
					}
					der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
					if err != nil {
						b.Error(err)
						return
					}
					if dir != "" {
						writeBaselineFiles(b, dir, name, key, der, caCert)
					}
				}
			}()
		}
		wg.Wait()
		if dir != "" {
			if err := syncFS(dir); err != nil {
				b.Fatal(err)
			}
		}
	})
	return wall, processCPU(b) - cpu0
}

// writeBaselineFiles writes name's three files into dir, encoded as ca
// encodes them (ca.ProvisionFiles), each created in place.
func writeBaselineFiles(b *testing.B, dir, name string, key *ecdsa.PrivateKey, der []byte, caCert *x509.Certificate) {
	keyPEM, err := pem.MarshalPrivateKey(key, nil)
	if err != nil {
		b.Error(err)
		return
	}
	for _, f := range ca.ProvisionFiles(dir, name, &x509.Certificate{Raw: der}, []*x509.Certificate{caCert}, keyPEM) {
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		if err := os.WriteFile(f.Path, f.Data, mode); err != nil {
			b.Error(err)
			return
		}
	}
}

// BenchmarkIssueManifestVsGo: a 10k-row manifest of P-256 device
// certificates through "ca issue --manifest" (keys, policy, signing, the
// store with fsync, three files per row) against Go's own
// ecdsa.GenerateKey + x509.CreateCertificate on all cores. Goal:
// ratio_of_go (wall clock) >= 0.5. cpu_ratio_of_go compares the CPU time
// both used, which the load of other processes on the machine moves less;
// ratio_of_go_files compares with Go also writing the three files of each
// certificate plainly (a reference, not a ceiling: see goBaseline).
func BenchmarkIssueManifestVsGo(b *testing.B) {
	e := newBenchEnv(b)
	filesDir := func(k int) string {
		dir := filepath.Join(e.dir, fmt.Sprintf("go-files-%d", k))
		if err := os.Mkdir(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		return dir
	}
	// Each baseline runs before and after, so that a change in the
	// machine's load during the run weighs on both sides.
	w1, c1 := goBaseline(b, benchManifestRows, "")
	f1, _ := goBaseline(b, benchManifestRows, filesDir(1))
	ours, oursCPU := e.manifestRun()
	f2, _ := goBaseline(b, benchManifestRows, filesDir(2))
	w2, c2 := goBaseline(b, benchManifestRows, "")
	base, baseCPU, files := (w1+w2)/2, (c1+c2)/2, (f1+f2)/2
	b.ReportMetric(float64(benchManifestRows)/ours.Seconds(), "ca_certs/s")
	b.ReportMetric(float64(benchManifestRows)/base.Seconds(), "go_certs/s")
	b.ReportMetric(base.Seconds()/ours.Seconds(), "ratio_of_go")
	b.ReportMetric(baseCPU.Seconds()/oursCPU.Seconds(), "cpu_ratio_of_go")
	b.ReportMetric(float64(benchManifestRows)/files.Seconds(), "go_files_certs/s")
	b.ReportMetric(files.Seconds()/ours.Seconds(), "ratio_of_go_files")
}

// openSSLCA is an "openssl ca" set-up with a real config and index.txt,
// signing with the home's intermediate.
type openSSLCA struct {
	dir, config string
}

func (e *benchEnv) newOpenSSLCA(home, name string) *openSSLCA {
	e.b.Helper()
	dir := filepath.Join(e.dir, name)
	if err := os.MkdirAll(filepath.Join(dir, "newcerts"), 0o755); err != nil {
		e.b.Fatal(err)
	}
	iss := filepath.Join(home, "issuers", "issuing")
	config := fmt.Sprintf(`[ ca ]
default_ca = CA_default

[ CA_default ]
dir              = %s
database         = $dir/index.txt
new_certs_dir    = $dir/newcerts
certificate      = %s
private_key      = %s
rand_serial      = yes
default_md       = sha256
default_days     = 90
policy           = policy_any
unique_subject   = no
copy_extensions  = copy
x509_extensions  = device_ext

[ policy_any ]
commonName             = supplied
organizationName       = optional
countryName            = optional

[ device_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth, clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
`, dir, filepath.Join(iss, "cert.pem"), filepath.Join(iss, "key.pem"))
	o := &openSSLCA{dir: dir, config: filepath.Join(dir, "ca.cnf")}
	if err := os.WriteFile(o.config, []byte(config), 0o644); err != nil {
		e.b.Fatal(err)
	}
	o.resetIndex(e.b)
	return o
}

// resetIndex empties index.txt.
func (o *openSSLCA) resetIndex(b *testing.B) {
	if err := os.WriteFile(filepath.Join(o.dir, "index.txt"), nil, 0o644); err != nil {
		b.Fatal(err)
	}
	os.Remove(filepath.Join(o.dir, "index.txt.attr"))
}

func needOpenSSL(b *testing.B) {
	if _, err := exec.LookPath("openssl"); err != nil {
		b.Skip("openssl is not installed")
	}
}

// BenchmarkIssueManifestVsOpenSSLLoop: the same 10k manifest against the
// shell loop users write today, "openssl req" + "openssl ca" per row (a
// real config and index.txt), on 200 rows, both scaled per certificate.
// Goal: times_faster >= 50.
func BenchmarkIssueManifestVsOpenSSLLoop(b *testing.B) {
	needOpenSSL(b)
	e := newBenchEnv(b)
	ours, _ := e.manifestRun()
	o := e.newOpenSSLCA(e.newHome("openssl-home"), "openssl-loop")
	script := `set -e
cd "$1"; mkdir -p keys reqs certs
i=0
while [ $i -lt $2 ]; do
  n=$(printf 'dev-%06d.devices.example.com' $i)
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout keys/$n.key -out reqs/$n.csr \
    -subj "/CN=$n" -addext "subjectAltName=DNS:$n" 2>/dev/null
  openssl ca -batch -config ca.cnf -in reqs/$n.csr -out certs/$n.crt 2>/dev/null
  i=$((i+1))
done
`
	loop := timed(func() {
		out, err := exec.Command("sh", "-c", script, "sh", o.dir, fmt.Sprint(benchOpenSSLRows)).CombinedOutput()
		if err != nil {
			b.Fatalf("openssl loop: %v\n%s", err, out)
		}
	})
	perOpenSSL := loop.Seconds() / benchOpenSSLRows
	perCA := ours.Seconds() / benchManifestRows
	b.ReportMetric(perCA*1e3, "ca_ms/cert")
	b.ReportMetric(perOpenSSL*1e3, "openssl_ms/cert")
	b.ReportMetric(perOpenSSL/perCA, "times_faster")
}

// oneShotCSR makes a CSR with openssl for the one-shot benchmarks.
func (e *benchEnv) oneShotCSR() string {
	e.b.Helper()
	csrPath := filepath.Join(e.dir, "one.csr")
	out, err := exec.Command("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", filepath.Join(e.dir, "one.key"), "-out", csrPath,
		"-subj", "/C=DE/O=Example/CN=one.example.com", "-addext", "subjectAltName=DNS:one.example.com").CombinedOutput()
	if err != nil {
		e.b.Fatalf("openssl req: %v\n%s", err, out)
	}
	return csrPath
}

// signCSROnce runs one "ca sign csr" process.
func (e *benchEnv) signCSROnce(home, csrPath string, i int) time.Duration {
	e.b.Helper()
	out := filepath.Join(e.dir, fmt.Sprintf("signed-%s-%d.crt", filepath.Base(home), i))
	return timed(func() { e.run(home, "sign", "csr", csrPath, "--out", out) })
}

// issueOnce runs one "ca issue --cn" process.
func (e *benchEnv) issueOnce(home string, i int) time.Duration {
	e.b.Helper()
	cn := fmt.Sprintf("one-%d.example.com", i)
	out := filepath.Join(e.dir, "one-"+filepath.Base(home))
	return timed(func() { e.run(home, "issue", "--cn", cn, "--dns", cn, "--out-dir", out, "--no-passphrase") })
}

// BenchmarkSignCSROneShotVsOpenSSL: one "ca sign csr" process against one
// "openssl ca -batch" process on an empty index, the median of several
// runs each; one "ca issue" (key and certificate) against "openssl req" +
// "openssl ca"; and testdata/minsign, a lean durable signer in Go, against
// "openssl ca" (go_lean_ratio: what Go does here with none of ca's policy,
// audit and CLI). Goal: ratio <= 0.5.
func BenchmarkSignCSROneShotVsOpenSSL(b *testing.B) {
	needOpenSSL(b)
	e := newBenchEnv(b)
	home := e.newHome("oneshot-home")
	o := e.newOpenSSLCA(home, "openssl-oneshot")
	csrPath := e.oneShotCSR()
	minsign := e.buildMinsign() // built before anything is timed
	iss := filepath.Join(home, "issuers", "issuing")
	// One loop, each side in turn, so that the machine's load weighs on all.
	var issue, sslIssue, sign, sslSign, lean []time.Duration
	for i := range benchOneShotRuns {
		issue = append(issue, e.issueOnce(home, i))
		o.resetIndex(b)
		sslIssue = append(sslIssue, timed(func() {
			out, err := exec.Command("sh", "-c", `openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/i.key" -out "$1/i.csr" -subj /CN=one.example.com -addext subjectAltName=DNS:one.example.com 2>/dev/null &&
openssl ca -batch -config "$1/ca.cnf" -in "$1/i.csr" -out "$1/i.crt" 2>/dev/null`, "sh", o.dir).CombinedOutput()
			if err != nil {
				b.Fatalf("openssl req + ca: %v\n%s", err, out)
			}
		}))
		sign = append(sign, e.signCSROnce(home, csrPath, i))
		o.resetIndex(b)
		sslSign = append(sslSign, timed(func() {
			out, err := exec.Command("openssl", "ca", "-batch", "-config", o.config, "-in", csrPath, "-out", filepath.Join(o.dir, "one.crt")).CombinedOutput()
			if err != nil {
				b.Fatalf("openssl ca: %v\n%s", err, out)
			}
		}))
		out := filepath.Join(e.dir, fmt.Sprintf("minsign-%d.crt", i))
		lean = append(lean, timed(func() {
			if out, err := exec.Command(minsign, filepath.Join(iss, "cert.pem"), filepath.Join(iss, "key.pem"), csrPath,
				filepath.Join(e.dir, "minsign.db"), out).CombinedOutput(); err != nil {
				b.Fatalf("minsign: %v\n%s", err, out)
			}
		}))
	}
	b.ReportMetric(float64(median(issue).Microseconds())/1e3, "ca_issue_ms")
	b.ReportMetric(float64(median(sslIssue).Microseconds())/1e3, "openssl_req+ca_ms")
	b.ReportMetric(median(issue).Seconds()/median(sslIssue).Seconds(), "issue_ratio")
	b.ReportMetric(float64(median(sign).Microseconds())/1e3, "ca_sign_ms")
	b.ReportMetric(float64(median(sslSign).Microseconds())/1e3, "openssl_ca_ms")
	b.ReportMetric(median(sign).Seconds()/median(sslSign).Seconds(), "ratio")
	b.ReportMetric(float64(median(lean).Microseconds())/1e3, "go_lean_ms")
	b.ReportMetric(median(lean).Seconds()/median(sslSign).Seconds(), "go_lean_ratio")
}

// buildMinsign builds testdata/minsign, a lean durable one-shot signer in
// Go (no policy, no command line), static as ca is.
func (e *benchEnv) buildMinsign() string {
	e.b.Helper()
	bin := filepath.Join(e.dir, "minsign")
	build := exec.Command("go", "build", "-o", bin, "./testdata/minsign")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		e.b.Fatalf("build minsign: %v\n%s", err, out)
	}
	return bin
}

// fillStore records n real certificates signed by the home's "issuing"
// through the store API, with NoSync and large transactions: a quick way
// to a big store.
func fillStore(b *testing.B, home string, n int) {
	ctx := context.Background()
	st, err := store.Open(filepath.Join(home, "ca.db"), store.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	dir := filepath.Join(home, "issuers", "issuing")
	keyPEM, err := os.ReadFile(filepath.Join(dir, "key.pem"))
	if err != nil {
		b.Fatal(err)
	}
	key, err := pem.ParsePrivateKey(keyPEM, nil)
	if err != nil {
		b.Fatal(err)
	}
	certPEM, err := os.ReadFile(filepath.Join(dir, "cert.pem"))
	if err != nil {
		b.Fatal(err)
	}
	der, _, err := pem.Decode(certPEM, pem.MaxSize, pem.TypeCertificate)
	if err != nil {
		b.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		b.Fatal(err)
	}
	iss, err := ca.NewIssuer(ca.IssuerConfig{Name: "issuing", Cert: cert, Signer: key, Store: st})
	if err != nil {
		b.Fatal(err)
	}
	leafKey, err := pem.GenerateKey(pem.ECDSAP256)
	if err != nil {
		b.Fatal(err)
	}
	const chunk = 5000
	recs := make(chan []*ca.CertRecord, 2)
	go func() {
		defer close(recs)
		for start := 0; start < n; start += chunk {
			out := make([]*ca.CertRecord, min(chunk, n-start))
			var wg sync.WaitGroup
			workers := runtime.GOMAXPROCS(0)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w; i < len(out); i += workers {
						name := fmt.Sprintf("filler-%07d.example.com", start+i)
						issued, err := iss.SignLeaf(ca.Leaf{Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
							PublicKey: leafKey.Public(), Profile: ca.ProfileServer, Validity: 24 * time.Hour})
						if err != nil {
							b.Error(err)
							return
						}
						out[i] = issued.Record
					}
				}()
			}
			wg.Wait()
			recs <- out
		}
	}()
	for batch := range recs {
		if _, err := st.AddCertificates(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignOneShotStoreSize: one "ca sign csr" process (and one "ca
// issue") with 100k certificates in the store against an empty store, the
// median of several runs each, alternating. Goal: ratio <= 1.3.
func BenchmarkSignOneShotStoreSize(b *testing.B) {
	e := newBenchEnv(b)
	empty := e.newHome("empty-home")
	full := e.newHome("full-home")
	fillStore(b, full, benchStoreCerts)
	var issueEmpty, issueFull []time.Duration
	for i := range benchOneShotRuns {
		issueEmpty = append(issueEmpty, e.issueOnce(empty, i))
		issueFull = append(issueFull, e.issueOnce(full, i))
	}
	b.ReportMetric(float64(median(issueEmpty).Microseconds())/1e3, "issue_empty_ms")
	b.ReportMetric(float64(median(issueFull).Microseconds())/1e3, "issue_100k_ms")
	b.ReportMetric(median(issueFull).Seconds()/median(issueEmpty).Seconds(), "issue_ratio")
	if _, err := exec.LookPath("openssl"); err != nil {
		b.Log("openssl is not installed (it makes the CSR): ca sign csr metrics left out")
		return
	}
	csrPath := e.oneShotCSR()
	var signEmpty, signFull []time.Duration
	for i := range benchOneShotRuns {
		signEmpty = append(signEmpty, e.signCSROnce(empty, csrPath, i))
		signFull = append(signFull, e.signCSROnce(full, csrPath, i))
	}
	b.ReportMetric(float64(median(signEmpty).Microseconds())/1e3, "sign_empty_ms")
	b.ReportMetric(float64(median(signFull).Microseconds())/1e3, "sign_100k_ms")
	b.ReportMetric(median(signFull).Seconds()/median(signEmpty).Seconds(), "ratio")
}
