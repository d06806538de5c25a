package home

import (
	"cmp"
	"os/user"
	"strings"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/store"
)

// Environment variables Locate reads from the environment it is given.
const (
	EnvHome  = "CA_HOME"  // the home directory
	EnvStore = "CA_STORE" // the store, when not the home's ca.db
)

// DefaultDir is the home directory when neither a flag nor EnvHome names one.
const DefaultDir = "pki"

// Locate resolves where a command's home and store are: dir (--home),
// else env's EnvHome, else DefaultDir; storeURL (--store), else env's
// EnvStore, else "" (the home's ca.db).
func Locate(dir, storeURL string, env map[string]string) (string, string) {
	return cmp.Or(dir, env[EnvHome], DefaultDir), cmp.Or(storeURL, env[EnvStore])
}

// AuditFlag is a flag given on a command line, with its value.
type AuditFlag struct{ Name, Value string }

// AuditArgs is a command line as the audit log keeps it: each flag as
// --name=value, but none that says where a passphrase comes from
// (--no-passphrase stays: it says a key was left unencrypted) and --store
// without its password (store.Redact); then args.
func AuditArgs(flags []AuditFlag, args []string) []string {
	var out []string
	for _, f := range flags {
		switch {
		case f.Name == "store":
			out = append(out, "--store="+store.Redact(f.Value))
		case !strings.Contains(f.Name, "passphrase") || f.Name == "no-passphrase":
			out = append(out, "--"+f.Name+"="+f.Value)
		}
	}
	return append(out, args...)
}

// NewActor is who runs command with args (AuditArgs), for the audit log:
// the user is the process's, "unknown" when it cannot be looked up.
func NewActor(command string, args []string) ca.Actor {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return ca.Actor{Command: command, Args: args, User: name}
}
