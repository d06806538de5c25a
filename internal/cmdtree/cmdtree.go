// Package cmdtree gives a cobra command tree ca's handling of what is not
// a command: a command that only groups others (ca, ca intermediate, ...)
// prints its help when called alone, and refuses an unknown subcommand, or
// a bad flag after one, as a usage error that names the nearest
// subcommands, or the subcommand that takes a FILE when the word looks
// like a file. cobra would print the help and exit 0, or return a plain
// error. Its errors match ca.ErrUsage; it owns no command.
package cmdtree

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// annotationGroup marks a command that only groups others.
const annotationGroup = "ca/group"

// usageError is err, also ca.ErrUsage.
type usageError struct{ err error }

func (e usageError) Error() string        { return e.err.Error() }
func (e usageError) Unwrap() error        { return e.err }
func (e usageError) Is(target error) bool { return target == ca.ErrUsage }

// Groups makes every command under cmd, and cmd, that only groups others
// print its help when called alone and refuse an unknown subcommand
// (exit 2 in ca) naming the nearest ones. Call it once the tree is built.
func Groups(cmd *cobra.Command) {
	for _, c := range cmd.Commands() {
		Groups(c)
	}
	if !cmd.HasSubCommands() || cmd.Runnable() {
		return
	}
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[annotationGroup] = "true"
	cmd.SuggestionsMinimumDistance = 2
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		return unknownCommand(cmd, args[0])
	}
}

// FlagError is the root's cobra FlagErrorFunc: a usage error pointing to
// the command's help; for a group command given a word, the unknown
// command ("ca inti --cn x": the command is what's wrong).
func FlagError(c *cobra.Command, err error) error {
	if a := c.Flags().Args(); c.Annotations[annotationGroup] != "" && len(a) > 0 {
		return unknownCommand(c, a[0])
	}
	return usageError{fmt.Errorf("%w (see %q)", err, c.CommandPath()+" --help")}
}

// unknownCommand is the usage error for "ca NAME" where NAME is no
// subcommand of cmd, naming the nearest ones.
func unknownCommand(cmd *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, cmd.CommandPath())
	if sub := fileCommand(cmd, name); sub != "" {
		msg += fmt.Sprintf("; to give it the file %s, run %q", name, sub+" "+name)
	} else if s := cmd.SuggestionsFor(name); len(s) > 0 {
		for i := range s {
			s[i] = strconv.Quote(s[i])
		}
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return usageError{fmt.Errorf("%s (see %q)", msg, cmd.CommandPath()+" --help")}
}

// fileCommand is the subcommand of cmd that takes a FILE, when name looks
// like a file ("ca sign web.csr" means "ca sign csr web.csr"), else "".
func fileCommand(cmd *cobra.Command, name string) string {
	if _, err := os.Stat(name); err != nil && !strings.ContainsAny(name, "./") {
		return ""
	}
	for _, c := range cmd.Commands() {
		if strings.Contains(c.Use, "FILE") {
			return c.CommandPath()
		}
	}
	return ""
}

// cobraUsage are the beginnings of the usage errors cobra returns as plain
// strings: an unknown command, missing required flags, flag groups,
// argument counts, flag values.
var cobraUsage = []string{"unknown command ", "required flag(s) ", "if any flags in the group ", "at least one of the flags in the group ", "unknown flag: ", "unknown shorthand flag: ", "accepts ", "requires at least ", "invalid argument "}

// IsUsage reports whether err is a usage error cobra returned as a plain
// string.
func IsUsage(err error) bool {
	msg := err.Error()
	for _, p := range cobraUsage {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}
