package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// filledStore returns a Bolt store with a root, two certificates, one
// revocation and three CRLs, at path.
func filledStore(t *testing.T, path string) *Bolt {
	t.Helper()
	st, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	s := &suite{t: t, st: st, ctx: context.Background()}
	s.issuer("root", "", 1)
	s.add(s.cert(10, "root", "a", time.Now().Add(time.Hour)), s.cert(11, "root", "b", time.Now().Add(time.Hour)))
	if _, err := st.Revoke(s.ctx, []ca.Revocation{{Serial: big.NewInt(10), RevokedAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	for n := int64(1); n <= 3; n++ {
		if err := st.AddCRL(s.ctx, &ca.CRLRecord{Issuer: "root", Number: big.NewInt(n), DER: []byte{0x30, 0}}); err != nil {
			t.Fatal(err)
		}
	}
	if p := st.Check(); len(p) > 0 {
		t.Fatalf("a fresh store fails the check: %v", p)
	}
	return st
}

// TestCheckFindsDamage damages a store behind its back, one way at a time,
// and expects Check to name the damage.
func TestCheckFindsDamage(t *testing.T) {
	key := func(n int64) []byte { k, _ := ca.SerialKey(big.NewInt(n)); return k }
	cases := []struct {
		name, want string
		damage     func(tx *bolt.Tx) error
	}{
		{"certificate without index entries", "certificates, but", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketByIssuer).Bucket([]byte("root")).Delete(key(11))
		}},
		{"index entry without certificate", "which has no record", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketByIssuer).Bucket([]byte("root")).Put(key(99), nil)
		}},
		{"revocation of no certificate", "refers to no certificate", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRevoked).Bucket([]byte("root")).Put(key(98), []byte(`{}`))
		}},
		{"CRL number gap", "CRL numbers of root jump", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketCRLs).Bucket([]byte("root")).Delete(u64(2))
		}},
		{"issuer certificate missing", "is not recorded", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketCerts).Delete(key(1))
		}},
		{"audit record removed", "audit record 2 is missing", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketAudit).Delete(u64(2))
		}},
		{"expiry entry moved", "expiry index files certificate", func(tx *bolt.Tx) error {
			ex := tx.Bucket(bucketExpiry)
			k, _ := ex.Cursor().First()
			moved := append(u64(1), k[8:]...)
			if err := ex.Delete(bytes.Clone(k)); err != nil {
				return err
			}
			return ex.Put(moved, nil)
		}},
		{"audit log cut at the end", "the revocation of 0a has no audit record", func(tx *bolt.Tx) error {
			// Keep the first two records (root, two certificates); the
			// revocation and the CRLs lose theirs.
			for seq := uint64(3); seq <= 6; seq++ {
				if err := tx.Bucket(bucketAudit).Delete(u64(seq)); err != nil {
					return err
				}
			}
			return nil
		}},
		{"certificate written behind the toolkit's back", "certificate 63 has no audit record", func(tx *bolt.Tx) error {
			s := &suite{t: t}
			return putCert(tx, s.cert(99, "root", "sneaky", time.Now().Add(time.Hour)))
		}},
		{"CRL written behind the toolkit's back", "issuer root has 4 CRLs but 3 crl audit records", func(tx *bolt.Tx) error {
			v := tx.Bucket(bucketCRLs).Bucket([]byte("root")).Get(u64(3))
			return tx.Bucket(bucketCRLs).Bucket([]byte("root")).Put(u64(4), bytes.Replace(v, []byte(`"number":"3"`), []byte(`"number":"4"`), 1))
		}},
		{"certificate record garbled", "does not decode", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketCerts).Put(key(11), []byte("{"))
		}},
		{"revocations deleted", "the revocation of 0a (audit record 3) is missing from the store", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRevoked).DeleteBucket([]byte("root"))
		}},
		{"certificate and its index entries deleted", "certificate 0b (audit record 2) is missing from the store", func(tx *bolt.Tx) error {
			var c certJSON
			if err := json.Unmarshal(tx.Bucket(bucketCerts).Get(key(11)), &c); err != nil {
				return err
			}
			if err := tx.Bucket(bucketExpiry).Delete(expiryKey(c.NotAfter, key(11))); err != nil {
				return err
			}
			if err := tx.Bucket(bucketByIssuer).Bucket([]byte("root")).Delete(key(11)); err != nil {
				return err
			}
			return tx.Bucket(bucketCerts).Delete(key(11))
		}},
		{"revoked certificate, its revocation and index entries deleted", "certificate 0a (audit record 2) is missing from the store", func(tx *bolt.Tx) error {
			var c certJSON
			if err := json.Unmarshal(tx.Bucket(bucketCerts).Get(key(10)), &c); err != nil {
				return err
			}
			for _, err := range []error{
				tx.Bucket(bucketRevoked).Bucket([]byte("root")).Delete(key(10)),
				tx.Bucket(bucketExpiry).Delete(expiryKey(c.NotAfter, key(10))),
				tx.Bucket(bucketByIssuer).Bucket([]byte("root")).Delete(key(10)),
				tx.Bucket(bucketCerts).Delete(key(10)),
			} {
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{"issuer deleted", "issuer root (audit record 1) is missing from the store", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketIssuers).Delete([]byte("root"))
		}},
		{"CRLs deleted", "issuer root has 0 CRLs but 3 crl audit records", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketCRLs).DeleteBucket([]byte("root"))
		}},
		{"certificate DER garbled", "certificate 0b: its DER does not parse", editCert(key(11), func(c *certJSON) { c.DER[0] ^= 0xff })},
		{"certificate DER truncated", "certificate 0b: its DER does not parse", editCert(key(11), func(c *certJSON) { c.DER = c.DER[:len(c.DER)/2] })},
		{"certificate DER of another serial", "certificate 0b: its DER holds serial 0a", func(tx *bolt.Tx) error {
			var other certJSON
			if err := json.Unmarshal(tx.Bucket(bucketCerts).Get(key(10)), &other); err != nil {
				return err
			}
			return editCert(key(11), func(c *certJSON) { c.DER = other.DER })(tx)
		}},
		{"notBefore index entry missing", "certificate 0b is missing from the notBefore index", func(tx *bolt.Tx) error {
			var c certJSON
			if err := json.Unmarshal(tx.Bucket(bucketCerts).Get(key(11)), &c); err != nil {
				return err
			}
			return tx.Bucket(bucketIssued).Delete(expiryKey(c.NotBefore, key(11)))
		}},
		{"notBefore index entry moved", "notBefore index files certificate", func(tx *bolt.Tx) error {
			var c certJSON
			if err := json.Unmarshal(tx.Bucket(bucketCerts).Get(key(11)), &c); err != nil {
				return err
			}
			is := tx.Bucket(bucketIssued)
			if err := is.Delete(expiryKey(c.NotBefore, key(11))); err != nil {
				return err
			}
			return is.Put(expiryKey(c.NotBefore.Add(time.Hour), key(11)), nil)
		}},
		{"certificate notAfter edited", "certificate 0b: its record says it expires at", func(tx *bolt.Tx) error {
			return editCert(key(11), func(c *certJSON) { c.NotAfter = c.NotAfter.Add(24 * time.Hour) })(tx)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ca.db")
			filledStore(t, path).Close()
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(c.damage); err != nil {
				t.Fatal(err)
			}
			db.Close()
			st, err := Open(path, Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			problems := st.Check()
			var all []string
			for _, p := range problems {
				all = append(all, p.Error())
			}
			if !strings.Contains(strings.Join(all, "\n"), c.want) {
				t.Errorf("Check = %q, want a problem saying %q", all, c.want)
			}
		})
	}
}

// editCert returns a damage that rewrites the record of the certificate under
// key, leaving its index entries as they are.
func editCert(key []byte, edit func(*certJSON)) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		var c certJSON
		if err := json.Unmarshal(tx.Bucket(bucketCerts).Get(key), &c); err != nil {
			return err
		}
		c.DER = bytes.Clone(c.DER)
		edit(&c)
		v, err := json.Marshal(c)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketCerts).Put(key, v)
	}
}

// TestVerifyAuditFindsDeletions deletes what the audit log names, one kind
// at a time: VerifyAudit fails with ca.ErrVerify naming it, as Check does.
func TestVerifyAuditFindsDeletions(t *testing.T) {
	key := func(n int64) []byte { k, _ := ca.SerialKey(big.NewInt(n)); return k }
	cases := []struct {
		name, want string
		damage     func(tx *bolt.Tx) error
	}{
		{"revocations", "the revocation of 0a (audit record 3) is missing from the store", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRevoked).DeleteBucket([]byte("root"))
		}},
		{"certificate", "certificate 0b (audit record 2) is missing from the store", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketCerts).Delete(key(11))
		}},
		{"issuer", "issuer root (audit record 1) is missing from the store", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketIssuers).Delete([]byte("root"))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ca.db")
			filledStore(t, path).Close()
			damage(t, path, c.damage)
			st, err := Open(path, Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.VerifyAudit(""); !errors.Is(err, ca.ErrVerify) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("VerifyAudit = %v, want ca.ErrVerify saying %q", err, c.want)
			}
		})
	}
}

// TestCheckManyDeletions: past ten, deletions are counted, not listed.
func TestCheckManyDeletions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ca.db")
	st := filledStore(t, path)
	s := &suite{t: t, st: st, ctx: context.Background()}
	var certs []*ca.CertRecord
	for i := range 15 {
		certs = append(certs, s.cert(int64(100+i), "root", "more", time.Now().Add(time.Hour)))
	}
	s.add(certs...)
	st.Close()
	damage(t, path, func(tx *bolt.Tx) error {
		for i := range 15 {
			k, _ := ca.SerialKey(big.NewInt(int64(100 + i)))
			if err := tx.Bucket(bucketCerts).Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	st, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	all := fmt.Sprint(st.Check())
	for _, want := range []string{"certificate 64 (audit record 7) is missing", "certificate 6d (audit record 7) is missing", "5 more audited records are missing from the store"} {
		if !strings.Contains(all, want) {
			t.Errorf("Check = %s, want a problem saying %q", all, want)
		}
	}
	if strings.Contains(all, "certificate 6e (audit record 7)") {
		t.Errorf("Check = %s, lists more than ten deletions", all)
	}
}

// damage applies fn to the bbolt file at path directly, as an intruder or a
// stray tool would.
func damage(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// TestOpenRefusesNonStore: a file that is not a ca store (empty, another
// program's bbolt file, an empty bbolt file, not bbolt at all) is refused
// as ErrCorrupt by every open without Create, and left byte for byte as it was.
func TestOpenRefusesNonStore(t *testing.T) {
	bboltFile := func(t *testing.T, fn func(tx *bolt.Tx) error) []byte {
		path := filepath.Join(t.TempDir(), "other.db")
		damage(t, path, fn)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	cases := []struct {
		name, want string
		data       func(t *testing.T) []byte
	}{
		{"empty file", "is empty (0 bytes), not a ca store", func(*testing.T) []byte { return []byte{} }},
		{"empty bbolt file", "has no schema version", func(t *testing.T) []byte { return bboltFile(t, func(*bolt.Tx) error { return nil }) }},
		{"another program's bbolt file", "has no schema version", func(t *testing.T) []byte {
			return bboltFile(t, func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket([]byte("settings"))
				if err != nil {
					return err
				}
				return b.Put([]byte("k"), []byte("v"))
			})
		}},
		{"not bbolt", "invalid database", func(*testing.T) []byte { return bytes.Repeat([]byte("not a database\n"), 1024) }},
	}
	for _, c := range cases {
		for _, opts := range []Options{{}, {ReadOnly: true}} {
			t.Run(fmt.Sprintf("%s/readOnly=%t", c.name, opts.ReadOnly), func(t *testing.T) {
				want := c.data(t)
				path := filepath.Join(t.TempDir(), "ca.db")
				if err := os.WriteFile(path, want, 0o600); err != nil {
					t.Fatal(err)
				}
				opts.Timeout = time.Second
				st, err := Open(path, opts)
				if err == nil {
					st.Close()
				}
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
					t.Errorf("Open = %v, want ErrCorrupt saying %q", err, c.want)
				}
				if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
					t.Errorf("Open changed the file: %d bytes, was %d", len(got), len(want))
				}
			})
		}
	}
	t.Run("create in an empty file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "ca.db")
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		st, err := Open(path, Options{Create: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if p := st.Check(); len(p) > 0 {
			t.Error(p)
		}
	})
}

// TestBackupFile copies a store and refuses every existing target.
func TestBackupFile(t *testing.T) {
	dir := t.TempDir()
	st := filledStore(t, filepath.Join(dir, "ca.db"))
	defer st.Close()
	file := filepath.Join(dir, "backup.db")
	n, err := st.BackupFile(file)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(file)
	if err != nil || fi.Size() != n || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, %v (wrote %d)", fi, err, n)
	}
	bk, err := Open(file, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if p := bk.Check(); len(p) > 0 {
		t.Errorf("the backup fails the check: %v", p)
	}
	want, _ := st.Counts()
	got, _ := bk.Counts()
	if got != want {
		t.Errorf("backup counts %+v, want %+v", got, want)
	}
	bk.Close()
	if err := os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{file, "/dev/null", dir, filepath.Join(dir, "link")} {
		if _, err := st.BackupFile(target); !errors.Is(err, ErrBackupTarget) || !errors.Is(err, ca.ErrExists) {
			t.Errorf("backup to %s: %v, want ErrBackupTarget", target, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "nowhere")); err == nil {
		t.Error("the backup followed a symlink")
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(tmp) > 0 {
		t.Errorf("temp files left: %v", tmp)
	}
}

// TestDamagedFile truncates and scribbles over a store file: Open and Check
// report the damage (or find the damaged pages unused), never crash.
func TestDamagedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ca.db")
	st := filledStore(t, path)
	for i := range 20 {
		s := &suite{t: t, st: st, ctx: context.Background()}
		s.add(s.cert(int64(100+i), "root", "more", time.Now().Add(time.Hour)))
	}
	st.Close()
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	try := func(name string, data []byte) {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "ca.db")
			if err := os.WriteFile(p, data, 0o600); err != nil {
				t.Fatal(err)
			}
			st, err := Open(p, Options{ReadOnly: true})
			if err != nil {
				t.Logf("open: %v", err)
				return
			}
			defer st.Close()
			t.Logf("check: %d problems %v", len(st.Check()), st.Check())
			st.Counts()
			st.VerifyAudit("")
		})
	}
	for _, n := range []int{4096 * 2, 4096 * 3, 4096 * 5, len(good) / 2, len(good) - 4096} {
		try(fmt.Sprintf("truncated to %d", n), good[:n])
	}
	for page := 2; page*4096 < len(good); page++ {
		bad := bytes.Clone(good)
		for i := page*4096 + 16; i < page*4096+64; i++ {
			bad[i] ^= 0x5a
		}
		try(fmt.Sprintf("page %d scribbled", page), bad)
	}
}

// TestIssuedIndexBuilt: a store written before the notBefore index
// ("issued") lists by notBefore all the same, read-only (sorting in
// memory), passes the check, and has the index built on its first write
// open.
func TestIssuedIndexBuilt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ca.db")
	st := filledStore(t, path)
	s := &suite{t: t, st: st, ctx: context.Background()}
	now := time.Now()
	late, early := s.cert(12, "root", "late", now.Add(2*time.Hour)), s.cert(13, "root", "early", now.Add(3*time.Hour))
	late.NotBefore, early.NotBefore = now.Add(-time.Hour), now.Add(-48*time.Hour)
	s.add(late, early)
	want := fmt.Sprint(s.serials(ca.Query{Order: ca.SortNotBefore}))
	if want != "[13 1 10 11 12]" {
		t.Fatalf("by notBefore: %s", want)
	}
	st.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketIssued) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, readOnly := range []bool{true, false} {
		st, err := Open(path, Options{ReadOnly: readOnly})
		if err != nil {
			t.Fatal(err)
		}
		s.st = st
		if got := fmt.Sprint(s.serials(ca.Query{Order: ca.SortNotBefore})); got != want {
			t.Errorf("read-only %v: by notBefore %s, want %s", readOnly, got, want)
		}
		if p := st.Check(); len(p) > 0 {
			t.Errorf("read-only %v: %v", readOnly, p)
		}
		var n int
		st.db.View(func(tx *bolt.Tx) error {
			if b := tx.Bucket(bucketIssued); b != nil {
				n = keyCount(b)
			}
			return nil
		})
		if wantN := map[bool]int{true: 0, false: 5}[readOnly]; n != wantN {
			t.Errorf("read-only %v: %d entries in the notBefore index, want %d", readOnly, n, wantN)
		}
		st.Close()
	}
}
