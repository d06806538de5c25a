package home_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/trust"
)

// trustRequest names the NSS database dir alone, as "--nss DIR" does.
func trustRequest(dir string) home.TrustRequest {
	return home.TrustRequest{NSS: dir, Env: map[string]string{"HOME": filepath.Dir(dir)}, TempDir: filepath.Dir(dir)}
}

// TestTrustRequestRefused: a stray argument is bad input; a missing NSS
// database is named without the library's prefixes; a home without a
// store has no root to trust.
func TestTrustRequestRefused(t *testing.T) {
	h := newHome(t)
	dir := filepath.Join(t.TempDir(), "nowhere")
	stray := trustRequest(dir)
	stray.Args = []string{"stray"}
	for _, tc := range []struct {
		name string
		h    *home.Home
		r    home.TrustRequest
		want error
		msg  string
	}{
		{"stray", h, stray, ca.ErrUsage, `unexpected argument "stray" (an NSS directory goes after --nss)`},
		{"nss after --nss", h, home.TrustRequest{NSS: home.NSSFound, Args: []string{dir}}, fs.ErrNotExist, "NSS database " + dir + ": no cert9.db there"},
		{"missing nss", h, trustRequest(dir), fs.ErrNotExist, "NSS database " + dir + ": no cert9.db there"},
		{"no home", home.New(home.Config{Dir: filepath.Join(t.TempDir(), "none")}), trustRequest(dir), ca.ErrNotFound, "ca: not found: no CA home"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.h.TrustStatus(context.Background(), tc.r)
			if !errors.Is(err, tc.want) || !strings.HasPrefix(err.Error(), tc.msg) || strings.Contains(err.Error(), "trust: ") {
				t.Fatalf("status: %v, want %v saying %q", err, tc.want, tc.msg)
			}
			_, err = tc.h.TrustChange(context.Background(), "install", tc.r)
			if !errors.Is(err, tc.want) {
				t.Fatalf("install: %v, want %v", err, tc.want)
			}
		})
	}
}

// TestTrustNSS installs the home's root into a real NSS database (a dry
// run first, which changes nothing), sees it trusted, and removes it.
func TestTrustNSS(t *testing.T) {
	if _, err := exec.LookPath("certutil"); err != nil {
		t.Skip("certutil is not installed")
	}
	h := newHome(t)
	db := filepath.Join(t.TempDir(), "nssdb")
	if err := os.Mkdir(db, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("certutil", "-N", "-d", "sql:"+db, "--empty-password").CombinedOutput(); err != nil {
		t.Fatalf("certutil -N: %v\n%s", err, out)
	}
	ctx := context.Background()
	r := trustRequest(db)
	trusted := func(want bool) {
		t.Helper()
		st, err := h.TrustStatus(ctx, r)
		if err != nil || st.Err() != nil || len(st.Stores) != 1 || st.Stores[0].Kind != trust.KindNSS || st.Stores[0].Trusted != want {
			t.Fatalf("status %+v, %v; want trusted %v", st, err, want)
		}
	}
	trusted(false)
	r.DryRun = true
	plan, err := h.TrustChange(ctx, "install", r)
	if err != nil || len(plan.Steps) == 0 || len(plan.Changed) != 1 || !plan.DryRun {
		t.Fatalf("dry run %+v, %v", plan, err)
	}
	var text bytes.Buffer
	if err := plan.WriteText(&text); err != nil || !strings.Contains(text.String(), "# would be trusted in NSS database sql:"+db+"\n") {
		t.Fatalf("dry run text %q, %v", text.String(), err)
	}
	trusted(false)
	r.DryRun = false
	for _, step := range []struct {
		action, text string
		want         bool
	}{
		{"install", "trusted in NSS database sql:" + db + "\n", true},
		{"install", "NSS database sql:" + db + " already trusts the root\n", true},
		{"uninstall", "removed from NSS database sql:" + db + "\n", false},
	} {
		plan, err := h.TrustChange(ctx, step.action, r)
		if err != nil {
			t.Fatal(err)
		}
		text.Reset()
		if err := plan.WriteText(&text); err != nil || text.String() != step.text {
			t.Fatalf("%s: %q, %v; want %q", step.action, text.String(), err, step.text)
		}
		trusted(step.want)
	}
}

// TestTrustStatusToolMissing: a store whose tool is missing is in the
// status with its error, and Err says so.
func TestTrustStatusToolMissing(t *testing.T) {
	h := newHome(t)
	jks := filepath.Join(t.TempDir(), "store.jks")
	if err := os.WriteFile(jks, []byte("not really"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", t.TempDir())
	st, err := h.TrustStatus(context.Background(), home.TrustRequest{Java: jks, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Stores) != 1 || st.Stores[0].Trusted || !strings.Contains(st.Stores[0].Error, "needs keytool") || strings.Contains(st.Stores[0].Error, "trust: ") {
		t.Fatalf("status %+v", st.Stores)
	}
	if err := st.Err(); !errors.Is(err, trust.ErrToolMissing) || err.Error() != st.Stores[0].Error {
		t.Errorf("Err() = %v", err)
	}
}
