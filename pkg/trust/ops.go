package trust

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Status is whether one store trusts the root.
type Status struct {
	Store
	// Trusted: the store holds the root under its Nickname (Linux system
	// store: the anchor file holds it; macOS: the keychain holds it;
	// Windows: the Root store holds it).
	Trusted bool `json:"trusted"`
	// Err is why the store could not be looked into (a missing tool, a
	// failing command); Trusted is false then.
	Err error `json:"-"`
}

// Status looks into each store. A store that cannot be looked into has
// its Err set; the others are still looked into.
func (c Config) Status(ctx context.Context, stores []Store) []Status {
	out := make([]Status, len(stores))
	for i, s := range stores {
		out[i].Store = s
		if err := c.checkTools([]Store{s}, false); err != nil {
			out[i].Err = err
			continue
		}
		out[i].Trusted, out[i].Err = c.state(ctx, s)
	}
	return out
}

var toolHints = map[string]string{
	"certutil":               "Debian and Ubuntu: apt-get install libnss3-tools; Fedora: dnf install nss-tools; macOS: brew install nss",
	"keytool":                "it comes with a Java runtime, e.g. apt-get install default-jre-headless",
	"update-ca-certificates": "apt-get install ca-certificates, or apk add ca-certificates",
	"update-ca-trust":        "dnf install ca-certificates",
}

// checkTools returns the joined *ToolErrors of the stores whose tool is
// missing. A Linux system store needs its tool only to change it.
func (c Config) checkTools(stores []Store, change bool) error {
	var errs []error
	for _, s := range stores {
		if s.Kind == KindSystem && c.isLinux() && !change {
			continue
		}
		if _, err := c.runner().LookPath(s.Tool); err != nil {
			hint := toolHints[s.Tool]
			if c.GOOS == "windows" || (c.GOOS == "darwin" && s.Kind == KindSystem) {
				hint = ""
			}
			errs = append(errs, &ToolError{Store: s, Tool: s.Tool, Hint: hint})
		}
	}
	return errors.Join(errs...)
}

func (c Config) isLinux() bool { return c.GOOS != "darwin" && c.GOOS != "windows" }

// state reports whether s holds the root under its name; a name holding
// another certificate is ErrConflict.
func (c Config) state(ctx context.Context, s Store) (bool, error) {
	nick := Nickname(c.Root)
	var out []byte
	var err error
	switch {
	case s.Kind == KindSystem && c.GOOS == "darwin":
		out, err = c.runner().Run(ctx, []string{"security", "find-certificate", "-a", "-Z", s.Location})
		if err != nil {
			return false, fmt.Errorf("trust: %s: security find-certificate: %w: %s", s, err, strings.TrimSpace(string(out)))
		}
		return strings.Contains(string(out), "SHA-1 hash: "+thumbprint(c.Root)), nil
	case s.Kind == KindSystem && c.GOOS == "windows":
		_, err = c.runner().Run(ctx, c.windowsArgs(s, "-store", "ROOT", thumbprint(c.Root)))
		return err == nil, nil
	case s.Kind == KindSystem:
		out, err = os.ReadFile(s.Location)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
	case s.Kind == KindNSS:
		out, err = c.runner().Run(ctx, []string{"certutil", "-L", "-d", "sql:" + s.Location, "-n", nick, "-a"})
		if err != nil && strings.Contains(strings.ToLower(string(out)), "could not find") {
			return false, nil
		}
	case s.Kind == KindJava:
		out, err = c.runner().Run(ctx, c.keytoolArgs(s, "-exportcert", "-rfc", "-alias", nick))
		if err != nil && strings.Contains(string(out), "does not exist") {
			return false, nil
		}
	}
	if err != nil {
		return false, fmt.Errorf("trust: %s: look for %s: %w: %s", s, nick, err, strings.TrimSpace(string(out)))
	}
	found, any := holds(out, c.Root.Raw)
	if any && !found {
		return false, fmt.Errorf("%w: %s holds another certificate under %s; remove it or rename it", ErrConflict, s, nick)
	}
	return found, nil
}

func (c Config) keytoolArgs(s Store, args ...string) []string {
	args = append([]string{"keytool"}, args...)
	args = append(args, "-keystore", s.Location)
	if c.JavaStorePassEnv != "" {
		return append(args, "-storepass:env", c.JavaStorePassEnv)
	}
	return append(args, "-storepass", "changeit")
}

func (c Config) windowsArgs(s Store, args ...string) []string {
	if s.flavour == "user" {
		return append([]string{"certutil", "-user"}, args...)
	}
	return append([]string{"certutil"}, args...)
}

// installActions are the actions that put the root into s; tmp is the
// root's PEM file for tools that read one.
func (c Config) installActions(s Store, tmp string) []Action {
	nick := Nickname(c.Root)
	run := func(args ...string) Action { return Action{Op: OpRun, Args: args, Store: s.String()} }
	switch {
	case s.Kind == KindNSS:
		return []Action{run("certutil", "-A", "-d", "sql:"+s.Location, "-t", "C,,", "-n", nick, "-i", tmp)}
	case s.Kind == KindJava:
		return []Action{run(c.keytoolArgs(s, "-importcert", "-noprompt", "-alias", nick, "-file", tmp)...)}
	case c.GOOS == "darwin" && s.flavour == "user":
		return []Action{run("security", "add-trusted-cert", "-r", "trustRoot", "-k", s.Location, tmp)}
	case c.GOOS == "darwin":
		return []Action{run("security", "add-trusted-cert", "-d", "-r", "trustRoot", "-k", s.Location, tmp)}
	case c.GOOS == "windows":
		return []Action{run(c.windowsArgs(s, "-addstore", "-f", "ROOT", tmp)...)}
	case s.flavour == "rhel":
		return []Action{{Op: OpWrite, Path: s.Location, Data: encodePEM(c.Root), Store: s.String()}, run("update-ca-trust", "extract")}
	}
	return []Action{{Op: OpWrite, Path: s.Location, Data: encodePEM(c.Root), Store: s.String()}, run("update-ca-certificates")}
}

// uninstallActions are the actions that take the root out of s.
func (c Config) uninstallActions(s Store, tmp string) []Action {
	nick := Nickname(c.Root)
	run := func(args ...string) Action { return Action{Op: OpRun, Args: args, Store: s.String()} }
	switch {
	case s.Kind == KindNSS:
		return []Action{run("certutil", "-D", "-d", "sql:"+s.Location, "-n", nick)}
	case s.Kind == KindJava:
		return []Action{run(c.keytoolArgs(s, "-delete", "-alias", nick)...)}
	case c.GOOS == "darwin":
		remove := run("security", "remove-trusted-cert", tmp)
		if s.flavour != "user" {
			remove = run("security", "remove-trusted-cert", "-d", tmp)
		}
		return []Action{remove, run("security", "delete-certificate", "-Z", thumbprint(c.Root), s.Location)}
	case c.GOOS == "windows":
		return []Action{run(c.windowsArgs(s, "-delstore", "ROOT", thumbprint(c.Root))...)}
	case s.flavour == "rhel":
		return []Action{{Op: OpRemove, Path: s.Location, Store: s.String()}, run("update-ca-trust", "extract")}
	}
	return []Action{{Op: OpRemove, Path: s.Location, Store: s.String()}, run("update-ca-certificates", "--fresh")}
}

// needsFile reports whether s's tool reads the root from the temporary
// file when installing (uninstall: only macOS's remove-trusted-cert).
func (c Config) needsFile(s Store, install bool) bool {
	if !install {
		return s.Kind == KindSystem && c.GOOS == "darwin"
	}
	return s.Kind != KindSystem || !c.isLinux()
}

// PlanInstall plans putting the root into stores, leaving out those that
// already trust it. Every store's tool must be there (else the joined
// *ToolErrors, nothing planned); a store whose name for the root holds
// another certificate is ErrConflict.
func (c Config) PlanInstall(ctx context.Context, stores []Store) (*Plan, error) {
	return c.plan(ctx, stores, true)
}

// PlanUninstall plans taking the root out of the stores that hold it
// under its Nickname; entries holding other certificates are left alone.
func (c Config) PlanUninstall(ctx context.Context, stores []Store) (*Plan, error) {
	return c.plan(ctx, stores, false)
}

func (c Config) plan(ctx context.Context, stores []Store, install bool) (*Plan, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if err := c.checkTools(stores, true); err != nil {
		return nil, err
	}
	p := &Plan{}
	tmp := c.join(c.TempDir, Nickname(c.Root)+".pem")
	var file bool
	for _, s := range stores {
		trusted, err := c.state(ctx, s)
		if err != nil && (install || !errors.Is(err, ErrConflict)) {
			return nil, err
		}
		if trusted == install {
			p.Unchanged = append(p.Unchanged, s)
			continue
		}
		p.Changed = append(p.Changed, s)
		file = file || c.needsFile(s, install)
		if install {
			p.Actions = append(p.Actions, c.installActions(s, tmp)...)
		} else {
			p.Actions = append(p.Actions, c.uninstallActions(s, tmp)...)
		}
	}
	if file {
		if c.TempDir == "" {
			return nil, errors.New("trust: no temporary directory for the root's file")
		}
		p.Actions = append([]Action{{Op: OpWrite, Path: tmp, Data: encodePEM(c.Root)}}, p.Actions...)
		p.Actions = append(p.Actions, Action{Op: OpRemove, Path: tmp, Cleanup: true})
	}
	return p, nil
}
