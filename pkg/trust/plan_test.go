package trust

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// osRunner stands in for the tools of an OS that is not this one: it
// knows which programs exist, answers the read-only queries from holds
// (is the root there?) and records every command it is asked to run.
type osRunner struct {
	tools map[string]bool
	holds bool
	thumb string
	ran   []string
}

func (r *osRunner) LookPath(file string) (string, error) {
	if r.tools[file] {
		return "/fake/" + file, nil
	}
	return "", fmt.Errorf("exec: %q: executable file not found in $PATH", file)
}

func (r *osRunner) Run(_ context.Context, args []string) ([]byte, error) {
	r.ran = append(r.ran, strings.Join(args, " "))
	switch {
	case args[0] == "security" && args[1] == "find-certificate":
		if r.holds {
			return []byte("SHA-1 hash: " + r.thumb + "\nkeychain: \"x\"\n"), nil
		}
		return []byte("SHA-1 hash: 0000000000000000000000000000000000000000\n"), nil
	case args[0] == "certutil" && strings.Contains(strings.Join(args, " "), "-store ROOT"):
		if r.holds {
			return nil, nil
		}
		return []byte("CertUtil: -store command FAILED"), errors.New("exit status 1")
	}
	return nil, errors.New("unexpected command")
}

func planText(p *Plan) string {
	var b strings.Builder
	for _, a := range p.Actions {
		b.WriteString(a.String() + "\n")
	}
	return b.String()
}

// TestForeignPlans checks the exact commands of the macOS and Windows
// plans, machine and user scope, install and uninstall: what --dry-run
// prints there.
func TestForeignPlans(t *testing.T) {
	root := newRoot(t, "Plan Root")
	nick, thumb := Nickname(root), thumbprint(root)
	for _, tc := range []struct {
		name, goos string
		user       bool
		install    bool
		want       string
	}{
		{"darwin system install", "darwin", false, true, `write /tmp/x/NICK.pem
security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain /tmp/x/NICK.pem
remove /tmp/x/NICK.pem
`},
		{"darwin login install", "darwin", true, true, `write /tmp/x/NICK.pem
security add-trusted-cert -r trustRoot -k /Users/ann/Library/Keychains/login.keychain-db /tmp/x/NICK.pem
remove /tmp/x/NICK.pem
`},
		{"darwin system uninstall", "darwin", false, false, `write /tmp/x/NICK.pem
security remove-trusted-cert -d /tmp/x/NICK.pem
security delete-certificate -Z THUMB /Library/Keychains/System.keychain
remove /tmp/x/NICK.pem
`},
		{"darwin login uninstall", "darwin", true, false, `write /tmp/x/NICK.pem
security remove-trusted-cert /tmp/x/NICK.pem
security delete-certificate -Z THUMB /Users/ann/Library/Keychains/login.keychain-db
remove /tmp/x/NICK.pem
`},
		{"windows machine install", "windows", false, true, `write 'C:\Temp\NICK.pem'
certutil -addstore -f ROOT 'C:\Temp\NICK.pem'
remove 'C:\Temp\NICK.pem'
`},
		{"windows user install", "windows", true, true, `write 'C:\Temp\NICK.pem'
certutil -user -addstore -f ROOT 'C:\Temp\NICK.pem'
remove 'C:\Temp\NICK.pem'
`},
		{"windows machine uninstall", "windows", false, false, "certutil -delstore ROOT THUMB\n"},
		{"windows user uninstall", "windows", true, false, "certutil -user -delstore ROOT THUMB\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &osRunner{tools: map[string]bool{"security": true, "certutil": true}, thumb: thumb, holds: !tc.install}
			cfg := Config{Root: root, GOOS: tc.goos, Runner: r, UserScope: tc.user, UserHome: "/Users/ann", TempDir: "/tmp/x"}
			if tc.goos == "windows" {
				cfg.TempDir, cfg.UserHome = `C:\Temp`, `C:\Users\ann`
			}
			stores, err := cfg.Stores(Selection{System: true})
			if err != nil {
				t.Fatal(err)
			}
			plan, err := cfg.plan(context.Background(), stores, tc.install)
			if err != nil {
				t.Fatal(err)
			}
			want := strings.NewReplacer("NICK", nick, "THUMB", thumb).Replace(tc.want)
			if got := planText(plan); got != want {
				t.Errorf("plan:\n%s\nwant:\n%s", got, want)
			}
			// The other way round there is nothing to do.
			r.holds = tc.install
			if plan, err := cfg.plan(context.Background(), stores, tc.install); err != nil || len(plan.Actions) != 0 {
				t.Errorf("plan when already done: %v, %v", err, planText(plan))
			}
		})
	}
}

// TestLinuxSystemPlans: Debian (Ubuntu, Alpine) and RHEL (Fedora).
func TestLinuxSystemPlans(t *testing.T) {
	root := newRoot(t, "Plan Root")
	nick := Nickname(root)
	r := &osRunner{tools: map[string]bool{"update-ca-certificates": true, "update-ca-trust": true}}
	for _, tc := range []struct{ distro, install, uninstall string }{
		{"debian", "write /usr/local/share/ca-certificates/NICK.crt\nupdate-ca-certificates\n",
			"remove /usr/local/share/ca-certificates/NICK.crt\nupdate-ca-certificates --fresh\n"},
		{"rhel", "write /etc/pki/ca-trust/source/anchors/NICK.pem\nupdate-ca-trust extract\n",
			"remove /etc/pki/ca-trust/source/anchors/NICK.pem\nupdate-ca-trust extract\n"},
	} {
		t.Run(tc.distro, func(t *testing.T) {
			cfg := Config{Root: root, GOOS: "linux", Distro: tc.distro, Runner: r}
			stores, err := cfg.Stores(Selection{})
			if err != nil {
				t.Fatal(err)
			}
			plan, err := cfg.PlanInstall(context.Background(), stores)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := planText(plan), strings.ReplaceAll(tc.install, "NICK", nick); got != want {
				t.Errorf("install plan:\n%s\nwant:\n%s", got, want)
			}
			// The uninstall of a root that is there: its actions.
			if got, want := planText(&Plan{Actions: cfg.uninstallActions(stores[0], "")}), strings.ReplaceAll(tc.uninstall, "NICK", nick); got != want {
				t.Errorf("uninstall actions:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestToolMissing: every store whose tool is missing is named, and nothing
// is planned.
func TestToolMissing(t *testing.T) {
	root := newRoot(t, "R")
	r := &osRunner{tools: map[string]bool{}}
	cfg := Config{Root: root, GOOS: "linux", Distro: "debian", Runner: r, TempDir: t.TempDir()}
	stores := []Store{
		{Kind: KindSystem, Location: "/usr/local/share/ca-certificates/x.crt", Tool: "update-ca-certificates", flavour: "debian"},
		{Kind: KindNSS, Location: "/home/ann/.pki/nssdb", Tool: "certutil"},
		{Kind: KindJava, Location: "/etc/cacerts", Tool: "keytool"},
	}
	_, err := cfg.PlanInstall(context.Background(), stores)
	var te *ToolError
	if !errors.Is(err, ErrToolMissing) || !errors.As(err, &te) {
		t.Fatalf("PlanInstall: %v, want ToolErrors", err)
	}
	for _, want := range []string{"update-ca-certificates", "certutil", "libnss3-tools", "keytool", "/home/ann/.pki/nssdb", "/etc/cacerts"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	if len(r.ran) != 0 {
		t.Errorf("ran %v with tools missing", r.ran)
	}
	st := cfg.Status(context.Background(), stores)
	if st[0].Err != nil || st[1].Err == nil || st[2].Err == nil {
		t.Errorf("status: system needs no tool to be read, NSS and Java do: %+v", st)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{"a-b/c.d": "a-b/c.d", "a b": "'a b'", "it's": `'it'\''s'`, "": "''", "C,,": "C,,"} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
