package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/store"
)

// listStreamCerts is the number of certificates of TestListStreams: at
// about 1.5 KB of subject and SANs each, a list held in memory is tens of
// megabytes.
const listStreamCerts = 20000

// TestListStreams: ca list holds no rows in memory, in any order and in
// both output forms. Its peak RSS listing 20,000 certificates stays within
// a few megabytes of a run over the same store that selects none of them
// (the store's pages are read alike in both); the rows come in the order
// --sort names. --status revoked reads the revocation index only.
func TestListStreams(t *testing.T) {
	home := newTestHome(t)
	fillListStore(t, home, listStreamCerts)
	base, _ := listRSS(t, home, "list", "--subject", "no such text", "--sort", "notbefore")
	for _, sort := range ca.ListSorts {
		rss, out := listRSS(t, home, "-o", "json", "list", "--sort", sort)
		checkListOrder(t, sort, out)
		t.Logf("-o json list --sort %s: max RSS %d MB (selecting none: %d MB)", sort, rss>>10, base>>10)
		if rss > base+8<<10 {
			t.Errorf("-o json list --sort %s: max RSS %d KB, more than 8 MB over %d KB selecting none: rows are held", sort, rss, base)
		}
	}
	// --status revoked reads the revocation index (empty here), not the
	// certificates.
	if rss, out := listRSS(t, home, "-o", "json", "list", "--status", "revoked"); rss > base/2 || strings.TrimSpace(out) != "[]" {
		t.Errorf("list --status revoked: max RSS %d KB (reading every certificate: %d KB), output %q", rss, base, out)
	}
	rss, out := listRSS(t, home, "list")
	if n := strings.Count(out, "\n"); n != listStreamCerts+1+4 {
		t.Errorf("the table has %d lines, want %d", n, listStreamCerts+1+4)
	}
	t.Logf("list (table): max RSS %d MB (selecting none: %d MB)", rss>>10, base>>10)
	if rss > base+8<<10 {
		t.Errorf("list (table): max RSS %d KB, more than 8 MB over %d KB selecting none: rows are held", rss, base)
	}
}

// fillListStore adds n certificates of the root to the store of home, with
// random serials, notBefores and notAfters (so that the three orders
// differ), long subjects and many SANs; their DER is a placeholder, which
// ca list does not read.
func fillListStore(t *testing.T, home string, n int) {
	t.Helper()
	st, err := store.Open(filepath.Join(home, "ca.db"), store.Options{Timeout: 5 * time.Second, NoSync: true, Actor: ca.Actor{Command: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	iss, err := st.Issuers(context.Background())
	if err != nil || len(iss) != 1 {
		t.Fatalf("issuers %v: %v", iss, err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sans := make([]string, 20)
	var batch []*ca.CertRecord
	for i := range n {
		for k := range sans {
			sans[k] = fmt.Sprintf("host-%02d.device-%06d.factory.example.com", k, i)
		}
		batch = append(batch, &ca.CertRecord{
			Serial: new(big.Int).SetUint64(rng.Uint64() | 1<<62), Issuer: iss[0].Name, Profile: "device",
			Subject:   fmt.Sprintf("CN=device-%06d.factory.example.com,OU=%s,O=Example", i, strings.Repeat("line ", 20)),
			SANs:      slices.Clone(sans),
			NotBefore: base.Add(time.Duration(rng.IntN(1e7)) * time.Second), NotAfter: base.Add(time.Duration(1e7+rng.IntN(1e7)) * time.Second),
			DER: []byte{0x30, 0x00},
		})
		if len(batch) == 5000 || i == n-1 {
			if errs, err := st.AddCertificates(context.Background(), batch); err != nil || slices.ContainsFunc(errs, func(e error) bool { return e != nil }) {
				t.Fatalf("add certificates: %v %v", err, errs)
			}
			batch = batch[:0]
		}
	}
}

// listRSS runs ca with args in home and returns its peak RSS in KB and
// its stdout. ca runs under ca-maxrss (maxRSSMain), a small process: a
// child of the test process itself would report the test process's peak
// (Linux keeps the peak of the memory a process replaces by exec).
func listRSS(t *testing.T, home string, args ...string) (int64, string) {
	t.Helper()
	rssFile := filepath.Join(t.TempDir(), "maxrss")
	cmd := exec.Command("ca-maxrss", append([]string{caPath(t), "--home", home}, args...)...)
	cmd.Env = append(os.Environ(), "CA_TEST_MAXRSS_OUT="+rssFile)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("ca %v: %v\n%s", args, err, errb.String())
	}
	data, err := os.ReadFile(rssFile)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := strconv.ParseInt(string(data), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return kb, out.String()
}

// maxRSSMain is the command ca-maxrss PROGRAM ARGS... of the tests: it
// runs PROGRAM, with its own stdin, stdout and stderr, writes its peak RSS
// in KB to the file $CA_TEST_MAXRSS_OUT, and exits as it did.
func maxRSSMain() {
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "ca-maxrss:", err)
		os.Exit(1)
	}
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	if err := os.WriteFile(os.Getenv("CA_TEST_MAXRSS_OUT"), []byte(strconv.FormatInt(rss, 10)), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "ca-maxrss:", err)
		os.Exit(1)
	}
	os.Exit(cmd.ProcessState.ExitCode())
}

// checkListOrder checks that the JSON list out has every certificate, in
// the order sort names (ties by serial).
func checkListOrder(t *testing.T, sort, out string) {
	t.Helper()
	var rows []ca.ListEntry
	if err := json.NewDecoder(bufio.NewReader(strings.NewReader(out))).Decode(&rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != listStreamCerts+1 {
		t.Fatalf("--sort %s: %d rows, want %d", sort, len(rows), listStreamCerts+1)
	}
	cmp := func(a, b *ca.ListEntry) int {
		var c int
		switch sort {
		case ca.SortNotBefore:
			c = a.NotBefore.Compare(b.NotBefore)
		case ca.SortNotAfter:
			c = a.NotAfter.Compare(b.NotAfter)
		}
		if c == 0 {
			x, _ := new(big.Int).SetString(a.Serial, 16)
			y, _ := new(big.Int).SetString(b.Serial, 16)
			c = x.Cmp(y)
		}
		return c
	}
	for i := 1; i < len(rows); i++ {
		if cmp(&rows[i-1], &rows[i]) >= 0 {
			t.Fatalf("--sort %s: row %d (%s) comes after row %d (%s)", sort, i, rows[i].Serial, i-1, rows[i-1].Serial)
		}
	}
}
