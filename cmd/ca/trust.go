package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
)

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
	o := &home.TrustRequest{}
	cmd := &cobra.Command{
		Use:   action,
		Short: trustShort[action],
		Example: fmt.Sprintf(`  ca trust %s --dry-run
  ca trust %[1]s --nss ~/.pki/nssdb
  sudo ca trust %[1]s --system --home /srv/pki`, action),
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Args, o.Env, o.TempDir = args, g.env, os.TempDir()
			return runTrust(cmd.Context(), g, o, action)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.System, "system", false, "the system store (macOS: the System keychain; Windows: the machine's Root store)")
	f.StringVar(&o.NSS, "nss", "", "NSS databases: alone, every one found (~/.pki/nssdb, Firefox profiles); --nss `DIR` (or --nss=DIR), that one")
	f.Lookup("nss").NoOptDefVal = home.NSSFound
	f.StringVar(&o.Java, "java", "", "a Java keystore `FILE` (password changeit, or $CA_JAVA_STOREPASS)")
	if action != "status" {
		f.BoolVar(&o.DryRun, "dry-run", false, "print the commands it would run and the files it would write or remove; change nothing")
	}
	return cmd
}

func runTrust(ctx context.Context, g *globals, o *home.TrustRequest, action string) error {
	if action == "status" {
		rep, err := g.h().TrustStatus(ctx, *o)
		if err != nil {
			return err
		}
		if err := g.render(trustStatusReport{rep}); err != nil {
			return err
		}
		return rep.Err()
	}
	rep, err := g.h().TrustChange(ctx, action, *o)
	if err != nil {
		return err
	}
	return g.renderText(rep)
}

// trustStatusReport is what trust status prints: a table of the stores,
// or the report's JSON.
type trustStatusReport struct{ *home.TrustStatusReport }

func (r trustStatusReport) text(w io.Writer) {
	fmt.Fprintf(w, "root %s (%s)\n", ca.Printable(r.Root.Subject), r.Root.Nickname)
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
