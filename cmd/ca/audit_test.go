package main

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// tamperedHome copies home's store into a new home (the db only: audit and
// store check read nothing else) and lets edit change it with bbolt directly.
func tamperedHome(t *testing.T, home string, edit func(audit *bolt.Bucket) error) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(home, "ca.db"))
	if err != nil {
		t.Fatal(err)
	}
	copyHome := filepath.Join(t.TempDir(), "pki")
	if err := os.MkdirAll(copyHome, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(copyHome, "ca.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error { return edit(tx.Bucket([]byte("audit"))) }); err != nil {
		t.Fatal(err)
	}
	return copyHome
}

func auditKey(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

func getRecord(t *testing.T, b *bolt.Bucket, seq uint64) ca.AuditRecord {
	t.Helper()
	var r ca.AuditRecord
	if err := json.Unmarshal(b.Get(auditKey(seq)), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func putRecord(t *testing.T, b *bolt.Bucket, r ca.AuditRecord) {
	t.Helper()
	v, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Put(auditKey(r.Seq), v); err != nil {
		t.Fatal(err)
	}
}

// TestAuditTamper edits the audit log of a copy of a home's store behind the
// toolkit's back: every edit, removal or rewrite is found (exit 6), and the
// store check fails on it too (exit 1).
func TestAuditTamper(t *testing.T) {
	home := newTestHome(t)
	for _, name := range []string{"a", "b", "c"} {
		mustCA(t, home, nil, "intermediate", "create", "--name", name, "--cn", "CA "+name, "--no-passphrase")
	}
	r := mustCA(t, home, nil, "audit", "verify")
	if !strings.HasPrefix(r.stdout, "audit chain OK: 4 records, head ") {
		t.Fatalf("audit verify: %s", r.stdout)
	}
	head := strings.TrimSpace(mustCA(t, home, nil, "audit", "head").stdout)
	if !strings.Contains(r.stdout, head) {
		t.Fatalf("audit head %s is not the head verify names: %s", head, r.stdout)
	}
	mustCA(t, home, nil, "audit", "verify", "--anchor", head)
	mustCA(t, home, nil, "audit", "verify", "--anchor", strings.ToUpper(head))

	cases := []struct {
		name   string
		anchor bool // verify against the old head
		hidden bool // only the anchor finds it
		edit   func(t *testing.T, b *bolt.Bucket)
	}{
		{"edit a field, keep the hash", false, false, func(t *testing.T, b *bolt.Bucket) {
			r := getRecord(t, b, 2)
			r.User = "mallory"
			putRecord(t, b, r)
		}},
		{"edit a field and its hash", false, false, func(t *testing.T, b *bolt.Bucket) {
			r := getRecord(t, b, 2)
			r.Serials = []string{"01"}
			r.Hash = r.ComputeHash()
			putRecord(t, b, r)
		}},
		{"add a field the record does not have", false, false, func(t *testing.T, b *bolt.Bucket) {
			v := b.Get(auditKey(3))
			edited := strings.Replace(string(v), `{"seq"`, `{"note":"x","seq"`, 1)
			b.Put(auditKey(3), []byte(edited))
		}},
		{"reformat the stored JSON", false, false, func(t *testing.T, b *bolt.Bucket) {
			v := b.Get(auditKey(3))
			b.Put(auditKey(3), []byte(strings.Replace(string(v), `,"command"`, `, "command"`, 1)))
		}},
		{"remove a middle record", false, false, func(t *testing.T, b *bolt.Bucket) { b.Delete(auditKey(2)) }},
		{"remove a middle record and renumber", false, false, func(t *testing.T, b *bolt.Bucket) {
			r3, r4 := getRecord(t, b, 3), getRecord(t, b, 4)
			b.Delete(auditKey(4))
			r3.Seq, r4.Seq = 2, 3
			putRecord(t, b, r3)
			putRecord(t, b, r4)
		}},
		{"remove the last record (its change is still there)", false, false, func(t *testing.T, b *bolt.Bucket) { b.Delete(auditKey(4)) }},
		{"rewrite the whole chain consistently (anchor)", true, true, func(t *testing.T, b *bolt.Bucket) {
			prev := ""
			for seq := uint64(1); seq <= 4; seq++ {
				r := getRecord(t, b, seq)
				if seq == 3 {
					r.User = "mallory"
				}
				r.Prev = prev
				r.Hash = r.ComputeHash()
				prev = r.Hash
				putRecord(t, b, r)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			copyHome := tamperedHome(t, home, func(b *bolt.Bucket) error { c.edit(t, b); return nil })
			args := []string{"audit", "verify"}
			if c.hidden {
				// Without the anchor a consistent chain cannot tell.
				mustCA(t, copyHome, nil, args...)
			}
			if c.anchor {
				args = append(args, "--anchor", head)
			}
			r := runCA(t, copyHome, nil, args...)
			if r.code != exitVerify || !strings.HasPrefix(r.stderr, "ca: ") {
				t.Fatalf("audit verify: exit %d, want %d\n%s%s", r.code, exitVerify, r.stdout, r.stderr)
			}
			if r := runCA(t, copyHome, nil, "audit", "head"); !c.anchor && r.code != exitVerify {
				t.Errorf("audit head on a broken chain: exit %d, want %d", r.code, exitVerify)
			}
			if c.anchor {
				return
			}
			r = runCA(t, copyHome, nil, "store", "check")
			if r.code != exitFailed || !strings.Contains(r.stdout, "audit record") {
				t.Errorf("store check: exit %d, want %d naming the audit record\n%s%s", r.code, exitFailed, r.stdout, r.stderr)
			}
			r = runCA(t, copyHome, nil, "-o", "json", "audit", "verify")
			if r.code != exitVerify || !strings.Contains(r.stdout, `"ok": false`) {
				t.Errorf("audit verify -o json: exit %d\n%s", r.code, r.stdout)
			}
		})
	}
	t.Run("bad anchor", func(t *testing.T) {
		r := runCA(t, home, nil, "audit", "verify", "--anchor", "xyz")
		if r.code != exitUsage {
			t.Errorf("exit %d, want %d", r.code, exitUsage)
		}
	})
}

// TestAuditEveryChange checks that each command that changes the store
// appends one audit record naming the command, its arguments without
// secrets, the user and the serials touched, and a failed command none.
func TestAuditEveryChange(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(dir, "pass")
	if err := os.WriteFile(pass, []byte("s3cret-phrase\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "pki")
	mustCA(t, home, nil, "init", "--cn", "Audit Root", "--passphrase-file", pass)
	mustCA(t, home, nil, "--passphrase-file", pass, "intermediate", "create", "--name", "sub", "--cn", "Sub CA")
	// A failure records nothing.
	if r := runCA(t, home, []string{"CA_PASSPHRASE=wrong"}, "intermediate", "create", "--name", "bad", "--cn", "Bad CA"); r.code == 0 {
		t.Fatal("a wrong passphrase was accepted")
	}
	// Signing, revoking and exporting a CRL: one record each.
	req := makeCSR(t, dir, "leaf.example.com")
	r := mustCA(t, home, nil, "--passphrase-file", pass, "-o", "json", "sign", "csr", req, "--issuer", "sub", "--out", filepath.Join(dir, "leaf.crt"))
	var signed struct{ Serial string }
	if err := json.Unmarshal([]byte(r.stdout), &signed); err != nil || signed.Serial == "" {
		t.Fatalf("sign csr -o json: %v\n%s", err, r.stdout)
	}
	mustCA(t, home, nil, "revoke", signed.Serial, "--reason", "keyCompromise")
	if r := runCA(t, home, nil, "revoke", signed.Serial); r.code != exitConflict {
		t.Fatalf("a second revoke: exit %d", r.code)
	}
	mustCA(t, home, nil, "--passphrase-file", pass, "crl", "export", "--issuer", "sub", "--out", filepath.Join(dir, "sub.crl"))
	r = mustCA(t, home, nil, "-o", "json", "audit", "list")
	var recs []ca.AuditRecord
	if err := json.Unmarshal([]byte(r.stdout), &recs); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, rec := range recs {
		actions = append(actions, rec.Command+"/"+rec.Action+"/"+strings.Join(rec.Serials, ","))
	}
	want := []string{"ca init/add-issuer/" + recs[0].Serials[0], "ca intermediate create/add-issuer/" + recs[1].Serials[0],
		"ca sign csr/issue/" + signed.Serial, "ca revoke/revoke/" + signed.Serial, "ca crl export/crl/"}
	if strings.Join(actions, " ") != strings.Join(want, " ") {
		t.Fatalf("audit records:\n%s\nwant:\n%s", strings.Join(actions, "\n"), strings.Join(want, "\n"))
	}
	sub := recs[1]
	if sub.Command != "ca intermediate create" || sub.Action != "add-issuer" || sub.Issuer != "sub" || len(sub.Serials) != 1 || sub.User == "" || sub.Result != "ok" {
		t.Errorf("record of intermediate create: %+v", sub)
	}
	if strings.Contains(r.stdout, "s3cret") || strings.Contains(r.stdout, pass) {
		t.Errorf("the audit log holds a passphrase or its file:\n%s", r.stdout)
	}
	if !strings.Contains(strings.Join(sub.Args, " "), "--name=sub") {
		t.Errorf("args %q do not name the intermediate", sub.Args)
	}
	// Filters.
	r = mustCA(t, home, nil, "-o", "json", "audit", "list", "--serial", strings.ToUpper(sub.Serials[0]))
	if err := json.Unmarshal([]byte(r.stdout), &recs); err != nil || len(recs) != 1 || recs[0].Seq != 2 {
		t.Errorf("--serial: %v %s", err, r.stdout)
	}
	r = mustCA(t, home, nil, "-o", "json", "audit", "list", "--action", "revoke")
	if err := json.Unmarshal([]byte(r.stdout), &recs); err != nil || len(recs) != 1 || recs[0].Seq != 4 {
		t.Errorf("--action revoke: %v %s", err, r.stdout)
	}
	r = mustCA(t, home, nil, "-o", "json", "audit", "list", "--serial", signed.Serial)
	if err := json.Unmarshal([]byte(r.stdout), &recs); err != nil || len(recs) != 2 || recs[0].Action != "issue" || recs[1].Action != "revoke" {
		t.Errorf("--serial of the leaf: %v %s", err, r.stdout)
	}
	r = mustCA(t, home, nil, "-o", "json", "audit", "list", "--action", "crl", "--serial", signed.Serial)
	if strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("--action crl --serial of the leaf (no record has both): %s", r.stdout)
	}
	r = mustCA(t, home, []string{"CA_TEST_NOW=2000-01-01T00:00:00Z"}, "audit", "list", "--since", "24h")
	if !strings.Contains(r.stdout, "add-issuer") {
		t.Errorf("--since 24h before 2000 lists nothing:\n%s", r.stdout)
	}
	r = mustCA(t, home, nil, "audit", "list", "--since", "2999-01-01")
	if strings.Contains(r.stdout, "add-issuer") {
		t.Errorf("--since 2999 lists records:\n%s", r.stdout)
	}
	if r := runCA(t, home, nil, "audit", "list", "--since", "yesterday"); r.code != exitUsage {
		t.Errorf("--since yesterday: exit %d, want %d", r.code, exitUsage)
	}
	// A key left unencrypted says so in its record; where the passphrase
	// came from does not.
	mustCA(t, home, nil, "--passphrase-file", pass, "intermediate", "create", "--name", "plain", "--cn", "Plain CA", "--no-passphrase")
	r = mustCA(t, home, nil, "-o", "json", "audit", "list", "--action", "add-issuer")
	if err := json.Unmarshal([]byte(r.stdout), &recs); err != nil || len(recs) == 0 {
		t.Fatalf("audit list: %v\n%s", err, r.stdout)
	}
	if args := strings.Join(recs[len(recs)-1].Args, " "); !strings.Contains(args, "--no-passphrase=true") || strings.Contains(args, pass) {
		t.Errorf("args of intermediate create --no-passphrase: %q, want --no-passphrase=true and no passphrase file", args)
	}
}
