package store

import (
	"bufio"
	"context"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// TestReleaseMapped: releaseMapped gives back the pages of the store that
// a read transaction mapped (the resident size of bbolt's map falls), and
// what the transaction reads afterwards is the same bytes (the map is
// read-only and shared: a page read again comes back from the page
// cache). A walk of Certificates past releaseEvery records, which
// releases on the way, gives every record whole and in order.
func TestReleaseMapped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ca.db")
	st, err := Open(path, Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := &suite{t: t, st: st, ctx: context.Background()}
	s.issuer("root", "", 1)
	n := 3*releaseEvery + 7
	var certs []*ca.CertRecord
	for i := range n {
		certs = append(certs, s.cert(int64(1000+i), "root", "c"+strconv.Itoa(i), time.Now().Add(time.Duration(n-i)*time.Hour)))
	}
	s.add(certs...)
	err = st.db.View(func(tx *bolt.Tx) error {
		before := readAll(t, tx)
		mapped := mappedRSS(t, path)
		releaseMapped(st.db, tx)
		released := mappedRSS(t, path)
		if mapped < 256 || released > mapped/4 {
			t.Errorf("resident KB of the map: %d after reading every record, %d after releaseMapped", mapped, released)
		}
		if after := readAll(t, tx); after != before {
			t.Error("the records read after releaseMapped differ from those read before")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, order := range []string{ca.SortSerial, ca.SortNotBefore, ca.SortNotAfter} {
		got := 0
		err := st.Certificates(s.ctx, ca.Query{Order: order, NotAfterFrom: time.Now().Add(time.Minute)}, func(r *ca.CertRecord) error {
			if c, err := x509.ParseCertificate(r.DER); err != nil || c.SerialNumber.Cmp(r.Serial) != 0 {
				t.Fatalf("%s order: record %d: %v", order, got, err)
			}
			got++
			return nil
		})
		if err != nil || got != n+1 { // and the issuer's
			t.Errorf("%s order: %d records, %v; want %d", order, got, err, n+1)
		}
	}
}

// readAll reads every record of the certs bucket through tx, as one
// string.
func readAll(t *testing.T, tx *bolt.Tx) string {
	t.Helper()
	var b strings.Builder
	if err := tx.Bucket(bucketCerts).ForEach(func(k, v []byte) error {
		b.Write(k)
		b.Write(v)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// mappedRSS is the resident size, in KB, of this process's maps of the
// file at path (/proc/self/smaps).
func mappedRSS(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real // smaps names the file by its real path
	}
	kb, in := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":"):
			in = fields[len(fields)-1] == path
		case in && len(fields) == 3 && fields[0] == "Rss:":
			n, _ := strconv.Atoi(fields[1])
			kb += n
		}
	}
	return kb
}

// TestReleaseMappedDamage: a store file cut short while a walk releases
// its pages (damage behind the toolkit's back) is an error wrapping
// ErrCorrupt, not a crash: the page read again past the end faults, and
// the fault is recovered as every read of the store is.
func TestReleaseMappedDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ca.db")
	st, err := Open(path, Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := &suite{t: t, st: st, ctx: context.Background()}
	s.issuer("root", "", 1)
	var certs []*ca.CertRecord
	for i := range 2 * releaseEvery {
		certs = append(certs, s.cert(int64(1000+i), "root", "c"+strconv.Itoa(i), time.Now().Add(time.Hour)))
	}
	s.add(certs...)
	seen := 0
	err = st.Certificates(s.ctx, ca.Query{}, func(*ca.CertRecord) error {
		if seen++; seen == releaseEvery+1 {
			return os.Truncate(path, 16<<10)
		}
		return nil
	})
	if !errors.Is(err, ErrCorrupt) || seen > releaseEvery+2 {
		t.Errorf("a walk over a file cut short after %d records: %v; want ErrCorrupt at once", seen, err)
	}
}
