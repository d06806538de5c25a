package home

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/ca-toolkit/ca/pkg/trust"
)

// NSSFound is the value of --nss given alone: every NSS database found.
const NSSFound = "found"

// TrustRequest is "ca trust install|uninstall|status": its flags as the
// user gave them and what it takes from the process.
type TrustRequest struct {
	System bool     // the system store
	NSS    string   // "": no NSS flag; NSSFound: every database found; else one directory
	Java   string   // a Java keystore file
	DryRun bool     // plan, change nothing
	Args   []string // at most one: the directory of --nss given alone
	// Env is the process's environment: HOME (USERPROFILE on Windows),
	// JAVA_HOME and whether CA_JAVA_STOREPASS is set.
	Env map[string]string
	// TempDir is where certutil and keytool read the root from.
	TempDir string
}

// TrustRoot is the root as trust reports name it.
type TrustRoot struct {
	Subject     string `json:"subject"`
	Fingerprint string `json:"sha256"`
	Nickname    string `json:"nickname"`
}

// TrustStatusRow is whether one store trusts the root.
type TrustStatusRow struct {
	trust.Store
	Trusted bool   `json:"trusted"`
	Error   string `json:"error,omitempty"` // why the store could not be looked into
}

// TrustStatusReport is what "ca trust status" reports.
type TrustStatusReport struct {
	Root   TrustRoot        `json:"root"`
	Stores []TrustStatusRow `json:"stores"`

	errs []error
}

// Err joins the errors of the stores that could not be looked into; nil
// when every one was.
func (r *TrustStatusReport) Err() error {
	if err := errors.Join(r.errs...); err != nil {
		return trustErr{err}
	}
	return nil
}

// TrustPlanReport is what "ca trust install|uninstall" reports: the
// plan's steps, and which stores it changed (or, in a dry run, would).
type TrustPlanReport struct {
	Root      TrustRoot     `json:"root"`
	Action    string        `json:"action"`
	DryRun    bool          `json:"dryRun"`
	Steps     []string      `json:"steps"`
	Changed   []trust.Store `json:"changed"`
	Unchanged []trust.Store `json:"unchanged"`
}

// TrustStatus says which stores of r trust the home's root. A store that
// could not be looked into is in the report with its error, and in Err.
func (h *Home) TrustStatus(ctx context.Context, r TrustRequest) (*TrustStatusReport, error) {
	root, cfg, stores, err := h.trustStores(ctx, r)
	if err != nil {
		return nil, err
	}
	rep := &TrustStatusReport{Root: newTrustRoot(root), Stores: []TrustStatusRow{}}
	for _, s := range cfg.Status(ctx, stores) {
		row := TrustStatusRow{Store: s.Store, Trusted: s.Trusted}
		if s.Err != nil {
			row.Error = trustErr{s.Err}.Error()
			rep.errs = append(rep.errs, s.Err)
		}
		rep.Stores = append(rep.Stores, row)
	}
	return rep, nil
}

// TrustChange installs the home's root into the stores of r (action
// "install") or removes exactly what install added ("uninstall"); with
// r.DryRun it only plans. A store whose tool is missing is named and
// nothing is changed (trust.ErrToolMissing).
func (h *Home) TrustChange(ctx context.Context, action string, r TrustRequest) (*TrustPlanReport, error) {
	root, cfg, stores, err := h.trustStores(ctx, r)
	if err != nil {
		return nil, err
	}
	plan, err := cfg.PlanUninstall(ctx, stores)
	if action == "install" {
		plan, err = cfg.PlanInstall(ctx, stores)
	}
	if err != nil {
		return nil, trustErr{err}
	}
	if !r.DryRun {
		if err := plan.Apply(ctx, nil); err != nil {
			return nil, trustErr{err}
		}
	}
	rep := &TrustPlanReport{Root: newTrustRoot(root), Action: action, DryRun: r.DryRun, Steps: []string{},
		Changed: append([]trust.Store{}, plan.Changed...), Unchanged: append([]trust.Store{}, plan.Unchanged...)}
	for _, a := range plan.Actions {
		rep.Steps = append(rep.Steps, a.String())
	}
	return rep, nil
}

// trustStores finds the home's root and the stores r names.
func (h *Home) trustStores(ctx context.Context, r TrustRequest) (*x509.Certificate, trust.Config, []trust.Store, error) {
	set, err := h.Hierarchy(ctx)
	if err != nil {
		return nil, trust.Config{}, nil, err
	}
	root := set.Certificate(set.Root())
	if root == nil {
		return nil, trust.Config{}, nil, fmt.Errorf("the home %s has no root; make one with \"ca init\"", h.Dir())
	}
	cfg, sel, err := r.config(root)
	if err != nil {
		return nil, trust.Config{}, nil, err
	}
	stores, err := cfg.Stores(sel)
	if err != nil {
		return nil, trust.Config{}, nil, trustErr{err}
	}
	return root, cfg, stores, nil
}

// config builds the library's Config and Selection from r.
func (r TrustRequest) config(root *x509.Certificate) (trust.Config, trust.Selection, error) {
	sel := trust.Selection{System: r.System, Java: r.Java}
	if len(r.Args) == 1 && r.NSS != NSSFound {
		return trust.Config{}, sel, usageErr{fmt.Errorf("unexpected argument %q (an NSS directory goes after --nss)", r.Args[0])}
	}
	if r.NSS != "" {
		sel.NSS = true
		if dir := r.NSS; dir != NSSFound || len(r.Args) == 1 {
			if dir == NSSFound {
				dir = r.Args[0]
			}
			sel.NSSDirs = []string{dir}
		}
	}
	if jh := r.Env["JAVA_HOME"]; jh != "" {
		sel.JavaDefault = filepath.Join(jh, "lib", "security", "cacerts")
	}
	userHome := r.Env["HOME"]
	if runtime.GOOS == "windows" {
		userHome = r.Env["USERPROFILE"]
	}
	cfg := trust.Config{
		Root: root, GOOS: runtime.GOOS, UserHome: userHome, TempDir: r.TempDir,
		UserScope: !r.System && runtime.GOOS != "linux",
	}
	if _, ok := r.Env["CA_JAVA_STOREPASS"]; ok {
		cfg.JavaStorePassEnv = "CA_JAVA_STOREPASS"
	}
	return cfg, sel, nil
}

func newTrustRoot(root *x509.Certificate) TrustRoot {
	return TrustRoot{Subject: root.Subject.String(), Fingerprint: trust.Fingerprint(root), Nickname: trust.Nickname(root)}
}

// WriteText writes the report for people: in a dry run the steps, then
// each store changed (or that would be) and each left as it was.
func (r *TrustPlanReport) WriteText(w io.Writer) error {
	prefix, done := "", map[string]string{"install": "trusted in", "uninstall": "removed from"}[r.Action]
	if r.DryRun {
		for _, s := range r.Steps {
			if _, err := fmt.Fprintln(w, s); err != nil {
				return err
			}
		}
		prefix, done = "# ", "would be "+done
	}
	for _, s := range r.Changed {
		if _, err := fmt.Fprintf(w, "%s%s %s\n", prefix, done, s); err != nil {
			return err
		}
	}
	left := map[string]string{"install": "already trusts the root", "uninstall": "does not hold the root"}[r.Action]
	for _, s := range r.Unchanged {
		if _, err := fmt.Fprintf(w, "%s%s %s\n", prefix, s, left); err != nil {
			return err
		}
	}
	return nil
}

// trustErr is an error of pkg/trust as people read it: without the
// library's "trust: " prefixes, which pkg/trust repeats along a chain;
// the same error underneath (for the exit code).
type trustErr struct{ err error }

func (e trustErr) Error() string { return strings.ReplaceAll(e.err.Error(), "trust: ", "") }
func (e trustErr) Unwrap() error { return e.err }
