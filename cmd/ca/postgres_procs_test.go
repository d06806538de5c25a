package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgHomes makes n homes on one fresh PostgreSQL store: the first by init,
// the others with a copy of its issuers/ directory. It returns the homes
// and the environment that names the store.
func pgHomes(t *testing.T, n int) ([]string, []string) {
	t.Helper()
	u, drop, err := pgSchema(pgServer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	env := []string{"CA_STORE=" + u}
	dir := t.TempDir()
	homes := make([]string, n)
	for i := range homes {
		homes[i] = filepath.Join(dir, fmt.Sprintf("home%d", i))
	}
	mustCA(t, homes[0], env, "init", "--cn", "Shared Root", "--no-passphrase")
	for _, h := range homes[1:] {
		if out, err := exec.Command("cp", "-r", homes[0], h).CombinedOutput(); err != nil {
			t.Fatalf("cp: %v %s", err, out)
		}
	}
	return homes, env
}

// Three homes on one database sign, revoke and export CRLs at once, as
// separate processes: no serial twice, CRL numbers 1..n with no gap and no
// repeat, the audit chain and the store check hold.
func TestPostgresMultiHome(t *testing.T) {
	homes, env := pgHomes(t, 3)
	const rounds = 3
	var mu sync.Mutex
	var numbers []int
	crlNumber := regexp.MustCompile(`wrote CRL (\d+) of issuer`)
	var wg sync.WaitGroup
	for i, h := range homes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				out := filepath.Join(t.TempDir(), "out")
				cn := fmt.Sprintf("h%d-r%d.example.com", i, r)
				if res := runCA(t, h, env, "issue", "--cn", cn, "--dns", cn, "--no-passphrase", "--out-dir", out); res.code != 0 {
					t.Errorf("issue: exit %d %s", res.code, res.stderr)
					return
				}
				if r%2 == 0 {
					if res := runCA(t, h, env, "revoke", "--cert", filepath.Join(out, cn+".crt")); res.code != 0 {
						t.Errorf("revoke: exit %d %s", res.code, res.stderr)
					}
				}
				res := runCA(t, h, env, "crl", "export", "--out", filepath.Join(t.TempDir(), "x.crl"))
				m := crlNumber.FindStringSubmatch(res.stdout)
				if res.code != 0 || m == nil {
					t.Errorf("crl export: exit %d %s%s", res.code, res.stdout, res.stderr)
					continue
				}
				n, _ := strconv.Atoi(m[1])
				mu.Lock()
				numbers = append(numbers, n)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.Sort(numbers)
	for i, n := range numbers {
		if n != i+1 {
			t.Fatalf("CRL numbers %v: not 1..%d", numbers, len(numbers))
		}
	}
	var list []struct{ Serial string }
	if err := json.Unmarshal([]byte(mustCA(t, homes[1], env, "list", "-o", "json").stdout), &list); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range list {
		if seen[c.Serial] {
			t.Errorf("serial %s twice", c.Serial)
		}
		seen[c.Serial] = true
	}
	if len(list) != 1+len(homes)*rounds {
		t.Errorf("%d certificates, want %d", len(list), 1+len(homes)*rounds)
	}
	mustCA(t, homes[2], env, "audit", "verify")
	if r := mustCA(t, homes[0], env, "store", "check"); !strings.HasPrefix(r.stdout, "store OK: ") {
		t.Errorf("store check: %s", r.stdout)
	}
}

// A lock held past --lock-timeout is exit 7 with nothing recorded.
func TestPostgresLockHeld(t *testing.T) {
	homes, env := pgHomes(t, 1)
	u := strings.TrimPrefix(env[0], "CA_STORE=")
	conn, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	tx, err := conn.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(context.Background(), "SELECT * FROM audit_head FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "c.crl")
	r := runCA(t, homes[0], env, "--lock-timeout", "1s", "crl", "export", "--out", out)
	tx.Rollback(context.Background())
	if r.code != exitBusy || !strings.Contains(r.stderr, "--lock-timeout") {
		t.Fatalf("exit %d, want %d\n%s", r.code, exitBusy, r.stderr)
	}
	if r.elapsed < time.Second || r.elapsed > 4*time.Second {
		t.Errorf("gave up after %v with --lock-timeout 1s", r.elapsed)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("the CRL was written")
	}
	var head struct{ Records int }
	if err := json.Unmarshal([]byte(mustCA(t, homes[0], env, "audit", "head", "-o", "json").stdout), &head); err != nil || head.Records != 1 {
		t.Errorf("audit head after the refused export: %+v %v", head, err)
	}
	mustCA(t, homes[0], env, "audit", "verify")
}
