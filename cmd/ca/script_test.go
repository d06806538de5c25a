package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	bolt "go.etcd.io/bbolt"

	"github.com/ca-toolkit/ca/internal/linttest"
	"github.com/ca-toolkit/ca/store"
)

func TestMain(m *testing.M) {
	// New encrypted keys cost 2^14 in tests (the default, 2^17, takes half
	// a second each); the tests of the default set it empty. This reaches
	// the ca processes the Go tests start (they inherit the environment); a
	// ca process of a script finds it set, maybe empty, and keeps it.
	if _, ok := os.LookupEnv("CA_KDF_COST"); !ok {
		os.Setenv("CA_KDF_COST", testKDFCost)
	}
	testscript.Main(m, map[string]func(){"ca": main, "ca-maxrss": maxRSSMain})
}

// testKDFCost is $CA_KDF_COST in tests: 14, openssl's, which scripts that
// open keys with openssl need.
const testKDFCost = "14"

// TestScript runs the user sessions in testdata/script, each in a fresh
// work directory with CA_HOME=$WORK/pki.
func TestScript(t *testing.T) {
	testscript.Run(t, scriptParams(t, "testdata/script"))
}

func scriptParams(t *testing.T, dir string) testscript.Params {
	return testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("CA_HOME", filepath.Join(env.WorkDir, "pki"))
			env.Setenv("CI", os.Getenv("CI"))
			env.Setenv("CA_KDF_COST", testKDFCost)
			return nil
		},
		Cmds:      scriptCmds,
		Condition: missingTool,
	}
}

// missingTool answers the condition [missing:TOOL]: true when TOOL is not
// on PATH, so a script can skip; with CI=true a missing tool is an error
// instead, so CI always runs what it installs.
func missingTool(cond string) (bool, error) {
	tool, ok := strings.CutPrefix(cond, "missing:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("CI") == "true" {
			return false, fmt.Errorf("%s is not installed; .ci/run must install it", tool)
		}
		return true, nil
	}
	return false, nil
}

// scriptCmds are the commands our scripts add to testscript's own.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	// exits N PROG ARGS...: runs PROG and checks that it exits with N.
	"exits": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 2 {
			ts.Fatalf("usage: exits N prog args...")
		}
		want, err := strconv.Atoi(args[0])
		ts.Check(err)
		err = ts.Exec(args[1], args[2:]...)
		got := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			got = ee.ExitCode()
		} else if err != nil {
			ts.Fatalf("%s: %v", args[1], err)
		}
		if got != want {
			ts.Fatalf("%s exited %d, want %d", args[1], got, want)
		}
	},
	// lint FILE...: zlint finds no error or fatal on the certificates and CRLs in each file.
	"lint": func(ts *testscript.TestScript, neg bool, args []string) {
		for _, f := range args {
			problems, err := linttest.File(ts.MkAbs(f))
			ts.Check(err)
			if len(problems) > 0 && !neg {
				ts.Fatalf("zlint:\n%s", strings.Join(problems, "\n"))
			}
			if len(problems) == 0 && neg {
				ts.Fatalf("zlint found nothing wrong in %s", f)
			}
		}
	},
	// mode FILE PERM: the file's permission bits are PERM (octal).
	"mode": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: mode FILE PERM")
		}
		fi, err := os.Stat(ts.MkAbs(args[0]))
		ts.Check(err)
		want, err := strconv.ParseUint(args[1], 8, 32)
		ts.Check(err)
		if (fi.Mode().Perm() == fs.FileMode(want)) == neg {
			ts.Fatalf("%s has mode %04o", args[0], fi.Mode().Perm())
		}
	},
	// storecheck [HOME]: the home's store passes the consistency check.
	"storecheck": func(ts *testscript.TestScript, neg bool, args []string) {
		home := ts.Getenv("CA_HOME")
		if len(args) > 0 {
			home = ts.MkAbs(args[0])
		}
		st, err := store.Open(filepath.Join(home, "ca.db"), store.Options{ReadOnly: true, Timeout: 5 * time.Second})
		ts.Check(err)
		defer st.Close()
		if problems := st.Check(); len(problems) > 0 {
			ts.Fatalf("store check: %v", problems)
		}
	},
	// snap NAME DIR: remembers every file under DIR (path, mode, content hash).
	// unchanged NAME DIR: fails when anything under DIR differs from snapshot NAME.
	// unrecordpolicy DB ISSUER: deletes the issuer's recorded policy from
	// the bbolt store DB, as in a home made before policies were recorded.
	"unrecordpolicy": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 || neg {
			ts.Fatalf("usage: unrecordpolicy DB ISSUER")
		}
		db, err := bolt.Open(ts.MkAbs(args[0]), 0o600, &bolt.Options{Timeout: 5 * time.Second})
		ts.Check(err)
		defer db.Close()
		ts.Check(db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("policies"))
			if b == nil || b.Get([]byte(args[1])) == nil {
				return fmt.Errorf("no recorded policy for %s", args[1])
			}
			return b.Delete([]byte(args[1]))
		}))
	},
	"snap": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: snap NAME DIR")
		}
		ts.Setenv("SNAP_"+args[0], scriptDigest(ts, ts.MkAbs(args[1])))
	},
	"unchanged": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: unchanged NAME DIR")
		}
		before, now := ts.Getenv("SNAP_"+args[0]), scriptDigest(ts, ts.MkAbs(args[1]))
		if (before == now) == neg {
			if neg {
				ts.Fatalf("%s did not change", args[1])
			}
			ts.Fatalf("%s changed:\nbefore:\n%s\nnow:\n%s", args[1], before, now)
		}
	},
	// jsonget PATH VAR: sets VAR to the value at PATH (dotted keys and indexes,
	// e.g. 0.serial) in the JSON of the last command's stdout.
	"jsonget": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: jsonget PATH VAR")
		}
		var v any
		ts.Check(json.Unmarshal([]byte(ts.ReadFile("stdout")), &v))
		for _, k := range strings.Split(args[0], ".") {
			switch x := v.(type) {
			case map[string]any:
				v = x[k]
			case []any:
				i, err := strconv.Atoi(k)
				if err != nil || i >= len(x) {
					ts.Fatalf("no index %s in array of %d", k, len(x))
				}
				v = x[i]
			default:
				ts.Fatalf("no key %s in %v", k, v)
			}
		}
		if v == nil {
			ts.Fatalf("no value at %s", args[0])
		}
		ts.Setenv(args[1], fmt.Sprint(v))
	},
	// setq VAR GOSTRING: sets VAR to the Go string literal GOSTRING
	// unquoted ("a\nb"), for arguments holding control characters.
	"setq": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: setq VAR GOSTRING")
		}
		v, err := strconv.Unquote(args[1])
		ts.Check(err)
		ts.Setenv(args[0], v)
	},
	// waitfile FILE: waits up to 20s for FILE to exist.
	"waitfile": func(ts *testscript.TestScript, neg bool, args []string) {
		deadline := time.Now().Add(20 * time.Second)
		for {
			if _, err := os.Stat(ts.MkAbs(args[0])); err == nil {
				return
			}
			if time.Now().After(deadline) {
				ts.Fatalf("%s did not appear within 20s", args[0])
			}
			time.Sleep(20 * time.Millisecond)
		}
	},
}

// treeDigest lists every file under dir with its mode and content hash; a
// dir that does not exist lists nothing.
func treeDigest(dir string) (string, error) {
	var lines []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		info, err := d.Info()
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %s", rel, info.Mode())
		if d.Type().IsRegular() {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			line += " " + hex.EncodeToString(sum[:8])
		}
		lines = append(lines, line)
		return nil
	})
	sort.Strings(lines)
	return strings.Join(lines, "\n"), err
}

// scriptDigest is treeDigest for a script.
func scriptDigest(ts *testscript.TestScript, dir string) string {
	d, err := treeDigest(dir)
	ts.Check(err)
	return d
}
