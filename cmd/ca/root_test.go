package main

import (
	"bytes"
	"slices"
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
	want := []string{"audit", "completion", "crl", "csr", "export", "gen-docs", "help", "init", "intermediate", "issue",
		"list", "policy", "probe", "revoke", "serve", "show", "sign", "store", "verify", "version"}
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
