package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/pkg/trust"
)

// nssFound is --nss without a directory: every NSS database found.
const nssFound = "found"

type trustOptions struct {
	system bool
	nss    string
	java   string
	dryRun bool
}

func newTrustCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trust",
		Short: "Put the home's root into the trust stores of this machine, or take it out",
		Long: `trust installs the home's root certificate into the trust stores of this
machine, removes it, or says where it is trusted.

Stores: the system store (--system: Debian, Ubuntu and Alpine through
update-ca-certificates, RHEL and Fedora through update-ca-trust, the macOS
System keychain, the Windows machine Root store), NSS databases (--nss: the
~/.pki/nssdb that Chromium reads on Linux and the Firefox profiles found, or
--nss DIR for one), and a Java keystore (--java FILE; password "changeit",
or the one in $CA_JAVA_STOREPASS, which keytool reads itself). With no store
flag: every store found: the system store (on macOS the login keychain, on
Windows the user's Root store), the NSS databases that exist and
$JAVA_HOME/lib/security/cacerts when it exists.

The root is stored under a name unique to it, ca-CN-FINGERPRINT, and
uninstall removes only entries of that name that hold this very certificate.
A store whose tool (certutil, keytool, update-ca-certificates, ...) is
missing is named and nothing is changed (exit 1). A trusted root is trusted
for every name: see docs/lifecycle.md before installing it anywhere but a
test machine.`,
		Args: noArgs,
	}
	cmd.AddCommand(newTrustActionCmd(g, "install"), newTrustActionCmd(g, "uninstall"), newTrustActionCmd(g, "status"))
	return cmd
}

var trustShort = map[string]string{
	"install":   "Trust the home's root in the system store, NSS databases, a Java keystore",
	"uninstall": "Remove exactly what install added",
	"status":    "Say which stores trust the home's root",
}

func newTrustActionCmd(g *globals, action string) *cobra.Command {
	o := &trustOptions{}
	cmd := &cobra.Command{
		Use:   action,
		Short: trustShort[action],
		Example: fmt.Sprintf(`  ca trust %s --dry-run
  ca trust %[1]s --nss ~/.pki/nssdb
  sudo ca trust %[1]s --system --home /srv/pki`, action),
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTrust(cmd.Context(), g, o, action, args)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.system, "system", false, "the system store (macOS: the System keychain; Windows: the machine's Root store)")
	f.StringVar(&o.nss, "nss", "", "NSS databases: alone, every one found (~/.pki/nssdb, Firefox profiles); --nss `DIR` (or --nss=DIR), that one")
	f.Lookup("nss").NoOptDefVal = nssFound
	f.StringVar(&o.java, "java", "", "a Java keystore `FILE` (password changeit, or $CA_JAVA_STOREPASS)")
	if action != "status" {
		f.BoolVar(&o.dryRun, "dry-run", false, "print the commands it would run and the files it would write or remove; change nothing")
	}
	return cmd
}

// config builds the library's Config and Selection from the flags.
func (o *trustOptions) config(g *globals, root *x509.Certificate, args []string) (trust.Config, trust.Selection, error) {
	sel := trust.Selection{System: o.system, Java: o.java}
	if len(args) == 1 && o.nss != nssFound {
		return trust.Config{}, sel, usageError{fmt.Errorf("unexpected argument %q (an NSS directory goes after --nss)", args[0])}
	}
	if o.nss != "" {
		sel.NSS = true
		if dir := o.nss; dir != nssFound || len(args) == 1 {
			if dir == nssFound {
				dir = args[0]
			}
			sel.NSSDirs = []string{dir}
		}
	}
	if jh := g.env["JAVA_HOME"]; jh != "" {
		sel.JavaDefault = filepath.Join(jh, "lib", "security", "cacerts")
	}
	userHome := g.env["HOME"]
	if runtime.GOOS == "windows" {
		userHome = g.env["USERPROFILE"]
	}
	cfg := trust.Config{
		Root: root, GOOS: runtime.GOOS, UserHome: userHome, TempDir: os.TempDir(),
		UserScope: !o.system && runtime.GOOS != "linux",
	}
	if _, ok := g.env["CA_JAVA_STOREPASS"]; ok {
		cfg.JavaStorePassEnv = "CA_JAVA_STOREPASS"
	}
	return cfg, sel, nil
}

func runTrust(ctx context.Context, g *globals, o *trustOptions, action string, args []string) error {
	set, err := g.h().Hierarchy(ctx)
	if err != nil {
		return err
	}
	root := set.Certificate(set.Root())
	if root == nil {
		return fmt.Errorf("the home %s has no root; make one with \"ca init\"", g.h().Dir())
	}
	cfg, sel, err := o.config(g, root, args)
	if err != nil {
		return err
	}
	stores, err := cfg.Stores(sel)
	if err != nil {
		return wrapTrust(err)
	}
	if action == "status" {
		st := cfg.Status(ctx, stores)
		if err := g.render(newTrustStatusReport(root, st)); err != nil {
			return err
		}
		return trustStatusExit(st)
	}
	plan, err := cfg.PlanUninstall(ctx, stores)
	if action == "install" {
		plan, err = cfg.PlanInstall(ctx, stores)
	}
	if err != nil {
		return wrapTrust(err)
	}
	if !o.dryRun {
		if err := plan.Apply(ctx, nil); err != nil {
			return wrapTrust(err)
		}
	}
	return g.render(newTrustPlanReport(root, action, o.dryRun, plan))
}

// trustError renders a trust error for people: without the library's
// "trust: " prefixes, the same error underneath (for the exit code).
type trustError struct{ err error }

func (e trustError) Error() string { return strings.ReplaceAll(e.err.Error(), "trust: ", "") }
func (e trustError) Unwrap() error { return e.err }

func wrapTrust(err error) error {
	if err == nil {
		return nil
	}
	return trustError{err}
}

func trustStatusExit(st []trust.Status) error {
	var errs []error
	for _, s := range st {
		if s.Err != nil {
			errs = append(errs, s.Err)
		}
	}
	return wrapTrust(errors.Join(errs...))
}

// trustRoot is the root as trust reports name it.
type trustRoot struct {
	Subject     string `json:"subject"`
	Fingerprint string `json:"sha256"`
	Nickname    string `json:"nickname"`
}

func newTrustRoot(root *x509.Certificate) trustRoot {
	return trustRoot{Subject: root.Subject.String(), Fingerprint: trust.Fingerprint(root), Nickname: trust.Nickname(root)}
}

type trustStatusRow struct {
	trust.Store
	Trusted bool   `json:"trusted"`
	Error   string `json:"error,omitempty"`
}

type trustStatusReport struct {
	Root   trustRoot        `json:"root"`
	Stores []trustStatusRow `json:"stores"`
}

func newTrustStatusReport(root *x509.Certificate, st []trust.Status) trustStatusReport {
	r := trustStatusReport{Root: newTrustRoot(root), Stores: []trustStatusRow{}}
	for _, s := range st {
		row := trustStatusRow{Store: s.Store, Trusted: s.Trusted}
		if s.Err != nil {
			row.Error = trustError{s.Err}.Error()
		}
		r.Stores = append(r.Stores, row)
	}
	return r
}

func (r trustStatusReport) text(w io.Writer) {
	fmt.Fprintf(w, "root %s (%s)\n", printable(r.Root.Subject), r.Root.Nickname)
	rows := [][]string{}
	for _, s := range r.Stores {
		state := yesNo(s.Trusted)
		if s.Error != "" {
			state = "unknown"
		}
		rows = append(rows, []string{string(s.Kind), s.Location, state})
	}
	_ = table(w, []string{"store", "location", "trusted"}, rows)
}

type trustPlanReport struct {
	Root      trustRoot     `json:"root"`
	Action    string        `json:"action"`
	DryRun    bool          `json:"dryRun"`
	Steps     []string      `json:"steps"`
	Changed   []trust.Store `json:"changed"`
	Unchanged []trust.Store `json:"unchanged"`
}

func newTrustPlanReport(root *x509.Certificate, action string, dryRun bool, p *trust.Plan) trustPlanReport {
	r := trustPlanReport{Root: newTrustRoot(root), Action: action, DryRun: dryRun, Steps: []string{},
		Changed: append([]trust.Store{}, p.Changed...), Unchanged: append([]trust.Store{}, p.Unchanged...)}
	for _, a := range p.Actions {
		r.Steps = append(r.Steps, a.String())
	}
	return r
}

func (r trustPlanReport) text(w io.Writer) {
	prefix, done := "", map[string]string{"install": "trusted in", "uninstall": "removed from"}[r.Action]
	if r.DryRun {
		for _, s := range r.Steps {
			fmt.Fprintln(w, s)
		}
		prefix, done = "# ", "would be "+done
	}
	for _, s := range r.Changed {
		fmt.Fprintf(w, "%s%s %s\n", prefix, done, s)
	}
	left := map[string]string{"install": "already trusts the root", "uninstall": "does not hold the root"}[r.Action]
	for _, s := range r.Unchanged {
		fmt.Fprintf(w, "%s%s %s\n", prefix, s, left)
	}
}
