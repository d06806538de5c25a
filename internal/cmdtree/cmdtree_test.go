package cmdtree_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/internal/cmdtree"
	"github.com/ca-toolkit/ca/pkg/ca"
)

// tree is "ca" with "sign" (which groups "sign csr FILE" and "sign
// batch") and "list", as ca sets them up.
func tree(out *bytes.Buffer) *cobra.Command {
	run := func(*cobra.Command, []string) error { return nil }
	root := &cobra.Command{Use: "ca", SilenceErrors: true, SilenceUsage: true}
	sign := &cobra.Command{Use: "sign", Short: "sign things"}
	sign.AddCommand(&cobra.Command{Use: "csr FILE", RunE: run}, &cobra.Command{Use: "batch", RunE: run})
	list := &cobra.Command{Use: "list", RunE: run}
	list.Flags().Bool("all", false, "")
	root.AddCommand(sign, list)
	root.SetFlagErrorFunc(cmdtree.FlagError)
	root.SetOut(out)
	root.SetErr(out)
	cmdtree.Groups(root)
	return root
}

func TestGroups(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "webcsr"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, tc := range []struct {
		name string
		args []string
		err  string // "" for none
		help bool
	}{
		{"a group alone prints its help", []string{"sign"}, "", true},
		{"the root alone prints its help", nil, "", true},
		{"a typo names the nearest", []string{"sing"}, `unknown command "sing" for "ca"; did you mean "sign"? (see "ca --help")`, false},
		{"a subcommand typo", []string{"sign", "cs"}, `unknown command "cs" for "ca sign"; did you mean "csr"? (see "ca sign --help")`, false},
		{"a file names the FILE subcommand", []string{"sign", "web.csr"}, `unknown command "web.csr" for "ca sign"; to give it the file web.csr, run "ca sign csr web.csr" (see "ca sign --help")`, false},
		{"an existing file without a dot", []string{"sign", "webcsr"}, `unknown command "webcsr" for "ca sign"; to give it the file webcsr, run "ca sign csr webcsr" (see "ca sign --help")`, false},
		{"nothing near", []string{"zzzzzz"}, `unknown command "zzzzzz" for "ca" (see "ca --help")`, false},
		{"a flag after a typo names the command", []string{"sing", "--cn", "x"}, `unknown command "sing" for "ca"; did you mean "sign"? (see "ca --help")`, false},
		{"a bad flag of a command", []string{"list", "--al"}, `unknown flag: --al (see "ca list --help")`, false},
		{"a command runs", []string{"list", "--all"}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			root := tree(&out)
			root.SetArgs(tc.args)
			err := root.Execute()
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else if err == nil || err.Error() != tc.err || !errors.Is(err, ca.ErrUsage) {
				t.Fatalf("error %v\nwant ErrUsage %s", err, tc.err)
			}
			if help := strings.Contains(out.String(), "Usage:"); help != tc.help {
				t.Errorf("help printed: %v, want %v\n%s", help, tc.help, out.String())
			}
		})
	}
}

// TestIsUsage: cobra's own checks fail with plain errors IsUsage knows.
func TestIsUsage(t *testing.T) {
	run := func(*cobra.Command, []string) error { return nil }
	for _, tc := range []struct {
		name  string
		cmd   func() *cobra.Command
		args  []string
		usage bool
	}{
		{"a required flag", func() *cobra.Command {
			c := &cobra.Command{Use: "x", RunE: run}
			c.Flags().String("cn", "", "")
			c.MarkFlagRequired("cn")
			return c
		}, nil, true},
		{"exclusive flags", func() *cobra.Command {
			c := &cobra.Command{Use: "x", RunE: run}
			c.Flags().Bool("a", false, "")
			c.Flags().Bool("b", false, "")
			c.MarkFlagsMutuallyExclusive("a", "b")
			return c
		}, []string{"--a", "--b"}, true},
		{"one of", func() *cobra.Command {
			c := &cobra.Command{Use: "x", RunE: run}
			c.Flags().Bool("a", false, "")
			c.Flags().Bool("b", false, "")
			c.MarkFlagsOneRequired("a", "b")
			return c
		}, nil, true},
		{"an argument count", func() *cobra.Command {
			return &cobra.Command{Use: "x", Args: cobra.ExactArgs(1), RunE: run}
		}, nil, true},
		{"at least", func() *cobra.Command {
			return &cobra.Command{Use: "x", Args: cobra.MinimumNArgs(1), RunE: run}
		}, nil, true},
		{"a flag value", func() *cobra.Command {
			c := &cobra.Command{Use: "x", RunE: run}
			c.Flags().Int("n", 0, "")
			return c
		}, []string{"--n", "many"}, true},
		{"an unknown shorthand", func() *cobra.Command { return &cobra.Command{Use: "x", RunE: run} }, []string{"-z"}, true},
		{"the command's own error", func() *cobra.Command {
			return &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return errors.New("store is locked") }}
		}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.cmd()
			c.SilenceErrors, c.SilenceUsage = true, true
			c.SetArgs(tc.args)
			c.SetOut(&bytes.Buffer{})
			err := c.Execute()
			if err == nil || cmdtree.IsUsage(err) != tc.usage {
				t.Errorf("error %v: IsUsage %v, want %v", err, !tc.usage, tc.usage)
			}
		})
	}
}
