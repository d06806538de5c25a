package trust

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Op is what an Action does.
type Op string

// The operations of a plan.
const (
	OpWrite  Op = "write"  // write Data to Path (mode 0644), replacing it
	OpRemove Op = "remove" // remove Path
	OpRun    Op = "run"    // run Args
)

// Action is one step of a Plan.
type Action struct {
	Op   Op
	Path string   // OpWrite, OpRemove
	Data []byte   // OpWrite
	Args []string // OpRun
	// Store is the store the action is for ("" for the temporary file).
	Store string
	// Cleanup actions run even after an earlier action failed.
	Cleanup bool
}

// String is the action as a dry run prints it: "write PATH", "remove
// PATH", or the command line, each word quoted for a POSIX shell when it
// needs to be.
func (a Action) String() string {
	switch a.Op {
	case OpRun:
		words := make([]string, len(a.Args))
		for i, w := range a.Args {
			words[i] = shellQuote(w)
		}
		return strings.Join(words, " ")
	case OpWrite:
		return "write " + shellQuote(a.Path)
	}
	return "remove " + shellQuote(a.Path)
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:,=+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Plan is what an install or uninstall will do.
type Plan struct {
	// Actions in order.
	Actions []Action
	// Unchanged are the stores left alone: already trusting the root
	// (install) or not holding it (uninstall).
	Unchanged []Store
	// Changed are the stores the actions change.
	Changed []Store
}

// Apply runs the plan's actions in order through r (nil: Exec). It stops
// at the first failure, naming the action and its store, but still runs
// the cleanup actions (removing the temporary file).
func (p *Plan) Apply(ctx context.Context, r Runner) error {
	if r == nil {
		r = Exec{}
	}
	var failed error
	for _, a := range p.Actions {
		if failed != nil && !a.Cleanup {
			continue
		}
		if err := a.apply(ctx, r); err != nil && failed == nil {
			failed = err
		}
	}
	return failed
}

func (a Action) apply(ctx context.Context, r Runner) error {
	var err error
	switch a.Op {
	case OpWrite:
		err = writeFile(a.Path, a.Data)
	case OpRemove:
		err = os.Remove(a.Path)
		if errors.Is(err, os.ErrNotExist) && a.Cleanup {
			err = nil
		}
	case OpRun:
		var out []byte
		if out, err = r.Run(ctx, a.Args); err != nil {
			if msg := strings.TrimSpace(string(out)); msg != "" {
				err = fmt.Errorf("%w: %s", err, msg)
			}
		}
	}
	if err == nil {
		return nil
	}
	if errors.Is(err, os.ErrPermission) {
		err = fmt.Errorf("%w (the system store needs root: run it with sudo)", err)
	}
	if a.Store != "" {
		return fmt.Errorf("trust: %s: %s: %w", a.Store, a, err)
	}
	return fmt.Errorf("trust: %s: %w", a, err)
}

// writeFile writes data to path through a temporary file beside it, so
// the store's tool never reads half a certificate.
func writeFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".ca-trust-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// Exec is the Runner that runs programs for real.
type Exec struct{}

// LookPath is exec.LookPath.
func (Exec) LookPath(file string) (string, error) { return exec.LookPath(file) }

// Run runs args and returns their combined output.
func (Exec) Run(ctx context.Context, args []string) ([]byte, error) {
	return exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
}
