package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestScriptPostgres runs the sessions in testdata/postgres against the
// server $CA_TEST_POSTGRES names (skipped without it, failed without it
// when CI=true), each with $PG_URL naming a schema of its own (dropped
// afterwards) and a password the server ignores (trust), which must never
// show in the audit log.
func TestScriptPostgres(t *testing.T) {
	base := pgServer(t)
	p := scriptParams(t, "testdata/postgres")
	setup := p.Setup
	p.Setup = func(env *testscript.Env) error {
		if err := setup(env); err != nil {
			return err
		}
		u, drop, err := pgSchema(base)
		if err != nil {
			return err
		}
		env.Setenv("PG_URL", u)
		env.Defer(drop)
		return nil
	}
	testscript.Run(t, p)
}

// pgServer is $CA_TEST_POSTGRES; without it the test skips, or fails when CI=true.
func pgServer(t *testing.T) string {
	t.Helper()
	base := os.Getenv("CA_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CA_TEST_POSTGRES is not set and CI=true: .ci/run starts a PostgreSQL server for these tests")
		}
		t.Skip("no PostgreSQL server: set CA_TEST_POSTGRES=postgres://USER@HOST:PORT/DB")
	}
	return base
}

// pgSchema returns base with a password the server ignores (trust) and a
// search_path naming a new schema, and a func that drops the schema.
func pgSchema(base string) (string, func(), error) {
	b := make([]byte, 8)
	rand.Read(b)
	schema := "ca_script_" + hex.EncodeToString(b)
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	u.User = url.UserPassword(u.User.Username(), "s3cretpw")
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
	}
	return u.String(), drop, nil
}

func init() {
	// within D CMD ARGS...: runs the script command CMD and fails unless it
	// succeeds within D of when "within" started.
	scriptCmds["within"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 2 {
			ts.Fatalf("usage: within DURATION CMD ARGS...")
		}
		d, err := time.ParseDuration(args[0])
		ts.Check(err)
		cmd, ok := scriptCmds[args[1]]
		if !ok {
			ts.Fatalf("within: no script command %q", args[1])
		}
		start := time.Now()
		cmd(ts, false, args[2:])
		if took := time.Since(start); took > d {
			ts.Fatalf("%s took %s, more than %s", strings.Join(args[1:], " "), took.Round(time.Millisecond), d)
		}
	}
}
