package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestRootCmdFor: a command line whose first word names a command builds
// only that command, and what the user sees of it (its help, the help of
// each subcommand) is the same as with the full tree; every other line gets
// the full tree.
func TestRootCmdFor(t *testing.T) {
	full := newRootCmd(newGlobals(nil, &bytes.Buffer{}, &bytes.Buffer{}, nil))
	// The commands of SPEC.md, cobra's help and completion, and gen-docs (make docs).
	want := []string{"audit", "completion", "crl", "cross-sign", "csr", "export", "gen-docs", "help", "init", "intermediate", "issue", "issuer",
		"list", "policy", "probe", "publish", "renew", "revoke", "serve", "show", "sign", "store", "trust", "verify", "version"}
	listed := newRootCmd(newGlobals(nil, &bytes.Buffer{}, &bytes.Buffer{}, nil))
	listed.InitDefaultHelpCmd() // as Execute does
	names := commandNames(listed.Commands())
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Errorf("the full tree has %v, want %v", names, want)
	}

	for _, c := range commands {
		root := newRootCmdFor(newGlobals(nil, &bytes.Buffer{}, &bytes.Buffer{}, nil), []string{c.name, "--help"})
		if got := root.Commands(); len(got) != 1 || got[0].Name() != c.name {
			t.Errorf("ca %s: built %v, want only %s", c.name, commandNames(got), c.name)
			continue
		}
		walk(root.Commands()[0], func(cmd *cobra.Command) {
			path := strings.Fields(cmd.CommandPath())[1:]
			if got, want := helpOf(t, path, false), helpOf(t, path, true); got != want {
				t.Errorf("ca %s --help differs from the full tree's:\n%s\nwant:\n%s", strings.Join(path, " "), got, want)
			}
		})
	}

	for _, args := range [][]string{nil, {"--home", "x", "sign"}, {"sgin"}, {"help", "sign"}, {"completion", "bash"}, {"__complete", "si"}} {
		root := newRootCmdFor(newGlobals(nil, &bytes.Buffer{}, &bytes.Buffer{}, nil), args)
		if got := len(root.Commands()); got != len(full.Commands()) {
			t.Errorf("ca %s: %d commands, want the full tree's %d", strings.Join(args, " "), got, len(full.Commands()))
		}
	}
}

func commandNames(cs []*cobra.Command) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name())
	}
	return out
}

func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walk(sub, fn)
	}
}

// helpOf runs "ca PATH --help" on the full tree or on the one built for it.
func helpOf(t *testing.T, path []string, full bool) string {
	t.Helper()
	var out bytes.Buffer
	g := newGlobals(nil, &out, &out, nil)
	args := append(slices.Clone(path), "--help")
	root := newRootCmdFor(g, args)
	if full {
		root = newRootCmd(g)
	}
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		t.Fatalf("ca %s: %v", strings.Join(args, " "), err)
	}
	return out.String()
}

// TestStartupInitAllocations: what every ca process does before main, the
// package initialisers of its dependencies, stays small, as the Go runtime
// reports it (GODEBUG=inittrace=1) for "ca version" built as "make build"
// builds it. A one-shot "ca sign csr" pays for every initialiser in the
// binary; tablewriter v1.1.x, for one, allocates a 663 KB width cache at
// init that only "ca list" could use (docs/decisions.md). Bytes, not time:
// the runtime counts them exactly, whatever the machine's load.
func TestStartupInitAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the ca binary")
	}
	const perPackage, total = 96 << 10, 256 << 10
	bin := filepath.Join(t.TempDir(), "ca")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build ca: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ca version: %v\n%s", err, stderr.String())
	}
	// init github.com/olekukonko/errors @1.7 ms, 0.072 ms clock, 65936 bytes, 332 allocs
	trace := stderr.String()
	sum, inits := 0, 0
	sc := bufio.NewScanner(strings.NewReader(trace))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 11 || f[0] != "init" || f[8] != "bytes," {
			continue
		}
		n, err := strconv.Atoi(f[7])
		if err != nil {
			t.Fatalf("inittrace line %q: %v", sc.Text(), err)
		}
		inits++
		sum += n
		if n > perPackage {
			t.Errorf("package %s allocates %d bytes at init, more than %d: every ca process pays for it", f[1], n, perPackage)
		}
	}
	if inits < 50 {
		t.Fatalf("read %d package inits from GODEBUG=inittrace=1, want the binary's (>= 50):\n%s", inits, trace)
	}
	if sum > total {
		t.Errorf("the package inits allocate %d bytes in all, more than %d", sum, total)
	}
}
