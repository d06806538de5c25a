package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/internal/cmdtree"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/passphrase"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// version is set by the linker (-X main.version=...).
var version = "dev"

// globals holds the global flags and the process's surroundings; commands
// get it instead of reading flags, the environment or the terminal themselves.
type globals struct {
	home              string
	output            string
	passphraseFile    string
	keyPassphraseFile string
	lockTimeout       time.Duration
	store             string // --store, else $CA_STORE: "" for the home's ca.db
	pkcs11Module      string // --pkcs11-module, else $CA_PKCS11_MODULE
	kdfCost           int    // log2 of scrypt's N for new encrypted keys
	warnedWritable    bool   // the home's writable warnings were given (or are not wanted)

	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	env    map[string]string
	now    func() time.Time

	command string   // "ca sign csr", for the audit log
	args    []string // the command line without secrets
	homeLib *home.Home

	// started is when the process began and prompted when its last
	// passphrase prompt was answered: the progress bar's clock (batchStart).
	started, prompted time.Time
}

func newGlobals(stdin io.Reader, stdout, stderr io.Writer, environ []string) *globals {
	g := &globals{stdin: stdin, stdout: stdout, stderr: stderr, env: map[string]string{}, now: time.Now, started: time.Now()}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			g.env[k] = v
		}
	}
	// CA_TEST_NOW pins the clock for tests (RFC 3339); never set it in production.
	if v := g.env["CA_TEST_NOW"]; v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			g.now = func() time.Time { return t }
		}
	}
	return g
}

func newRootCmd(g *globals) *cobra.Command {
	return newRootCmdFor(g, nil)
}

// commands are the top-level commands, in the order help lists them.
var commands = []struct {
	name  string
	build func(*globals) *cobra.Command
}{
	{"init", newInitCmd},
	{"intermediate", newIntermediateCmd},
	{"csr", newCSRCmd},
	{"sign", newSignCmd},
	{"policy", newPolicyCmd},
	{"issuer", newIssuerCmd},
	{"issue", newIssueCmd},
	{"renew", newRenewCmd},
	{"cross-sign", newCrossSignCmd},
	{"revoke", newRevokeCmd},
	{"crl", newCRLCmd},
	{"list", newListCmd},
	{"show", newShowCmd},
	{"verify", newVerifyCmd},
	{"serve", newServeCmd},
	{"publish", newPublishCmd},
	{"probe", newProbeCmd},
	{"store", newStoreCmd},
	{"audit", newAuditCmd},
	{"export", newExportCmd},
	{"trust", newTrustCmd},
	{"version", newVersionCmd},
}

// newRootCmdFor builds the command tree for the command line args. When
// its first word names a command, the root gets only that one: a process
// that signs one CSR does not build the flags of twenty others (a third of
// a millisecond at start, in a one-shot that takes a few). Anything else
// (help, completion, a flag first, a typo, none) gets every command.
func newRootCmdFor(g *globals, args []string) *cobra.Command {
	root := &cobra.Command{
		Use:   "ca",
		Short: "A command-line certificate authority for private PKIs, scripts and CI",
		Long: `ca runs a private PKI from one directory, the home: a root and intermediates,
CSRs signed under a distinguished-name policy, revocation and CRLs, batch
provisioning, and a TLS test endpoint that shows the chain working.

Start with "ca init --cn 'Example Root CA'"; see docs/quickstart.md.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		Version:           version,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error { return g.setup(cmd) },
	}
	root.SetIn(g.stdin)
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	root.SetFlagErrorFunc(cmdtree.FlagError)
	g.register(root.PersistentFlags())
	addCommands(root, g, args)
	cmdtree.Groups(root)
	return root
}

// register adds the global flags to f.
func (g *globals) register(f *pflag.FlagSet) {
	f.StringVar(&g.home, "home", "", "the CA home directory (default $CA_HOME, else ./pki)")
	f.StringVarP(&g.output, "output", "o", "text", "output format: text or json")
	f.StringVar(&g.passphraseFile, "passphrase-file", "", "the first line of `FILE` is the passphrase of the issuer key; it also encrypts the new key of init and csr create (else $CA_PASSPHRASE_FILE, $CA_PASSPHRASE, a prompt on a terminal)")
	f.StringVar(&g.keyPassphraseFile, "key-passphrase-file", "", "the first line of `FILE` is the passphrase of the key a command handles besides the issuer key: it encrypts the new key of issue, intermediate create and renew --rekey, and opens the --key of serve, probe and export pkcs12 (else $CA_KEY_PASSPHRASE_FILE)")
	f.IntVar(&g.kdfCost, "kdf-cost", 0, fmt.Sprintf("cost of new encrypted keys' scrypt, as log2 of N, %d to %d (default $CA_KDF_COST, else %d: about 0.5 s and 128 MiB; 14 for keys openssl must open)", pem.MinKDFCost, pem.MaxKDFCost, pem.DefaultKDFCost))
	f.StringVar(&g.store, "store", "", "the store, when not the home's ca.db: postgres://USER@HOST/DB?search_path=SCHEMA or bbolt:PATH (default $CA_STORE)")
	f.StringVar(&g.pkcs11Module, "pkcs11-module", "", "PKCS#11 module (shared library) of issuer keys on tokens (default $CA_PKCS11_MODULE); the PIN comes from the key URI's pin-source or $CA_PKCS11_PIN_FILE")
	f.DurationVar(&g.lockTimeout, "lock-timeout", 10*time.Second, "how long to wait for a store another process holds before exit 7 (0: do not wait; 10s, 2m: m = minutes)")
}

// addCommands gives root the command args[0] names, else every command.
func addCommands(root *cobra.Command, g *globals, args []string) {
	only := ""
	if len(args) > 0 {
		only = args[0]
	}
	for _, c := range commands {
		if c.name == only {
			root.AddCommand(c.build(g))
			root.CompletionOptions.DisableDefaultCmd = true // "ca completion" builds the full tree
		}
	}
	if !root.HasSubCommands() {
		for _, c := range commands {
			root.AddCommand(c.build(g))
		}
		root.AddCommand(newGenDocsCmd(g))
		root.InitDefaultCompletionCmd() // now, so that cmdtree.Groups sees it
	}
}

// newGenDocsCmd is the hidden command of make docs: writeDocs writes the
// reference when ca is built with -tags gendocs (gendocs.go).
func newGenDocsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:    "gen-docs DIR",
		Short:  genDocsShort,
		Hidden: true,
		Args:   usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			md, man, err := writeDocs(cmd.Root(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "wrote %s and %s\n", md, man)
			return nil
		},
	}
}

// setup checks the global flags once for every command.
func (g *globals) setup(cmd *cobra.Command) error {
	if g.output != "text" && g.output != "json" {
		return usageError{fmt.Errorf("--output %q: use text or json", g.output)}
	}
	g.home, g.store = home.Locate(g.home, g.store, g.env)
	if err := checkIssuerNames(cmd); err != nil {
		return err
	}
	cost, err := passphrase.KDFCost(g.kdfCost, cmd.Flags().Changed("kdf-cost"), g.env)
	if err != nil {
		return err
	}
	g.kdfCost = cost
	g.command = cmd.CommandPath()
	var flags []home.AuditFlag
	cmd.Flags().Visit(func(f *pflag.Flag) { flags = append(flags, home.AuditFlag{Name: f.Name, Value: f.Value.String()}) })
	g.args = home.AuditArgs(flags, cmd.Flags().Args())
	return nil
}

// issuerNameFlags are the flags that name an issuer, in every command that
// has them: --issuer, --parent, and --name (init, intermediate create).
var issuerNameFlags = []string{"issuer", "parent", "name"}

// checkIssuerNames refuses (exit 2) an issuer name flag that no issuer can
// have (ca.CheckIssuerName), before the command does anything.
func checkIssuerNames(cmd *cobra.Command) error {
	for _, name := range issuerNameFlags {
		if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
			if err := ca.CheckIssuerName(f.Value.String()); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *globals) json() bool { return g.output == "json" }

// actor is who runs the command, for the audit log.
func (g *globals) actor() ca.Actor { return home.NewActor(g.command, g.args) }

// secrets are the passphrase sources of the global flags, the environment
// and the terminal.
func (g *globals) secrets() *passphrase.Sources {
	return &passphrase.Sources{File: g.passphraseFile, KeyFile: g.keyPassphraseFile, Env: g.env, Prompt: g.prompt,
		Warn: func(msg string) { fmt.Fprintf(g.stderr, "ca: warning: %s\n", msg) }}
}

// passphrase returns the issuer-key passphrase from --passphrase-file,
// $CA_PASSPHRASE_FILE, $CA_PASSPHRASE, or a prompt when stdin is a terminal.
func (g *globals) passphrase(prompt string) ([]byte, error) { return g.secrets().Issuer(prompt) }

// keyPassphrase returns the passphrase for a new key from
// --key-passphrase-file or $CA_KEY_PASSPHRASE_FILE; ok is false when neither is set.
func (g *globals) keyPassphrase() ([]byte, bool, error) { return g.secrets().Key() }

func (g *globals) prompt(prompt string) ([]byte, error) {
	f, ok := g.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, passphrase.ErrNoTerminal
	}
	fmt.Fprint(g.stderr, prompt)
	p, err := term.ReadPassword(int(f.Fd()))
	g.prompted = time.Now()
	fmt.Fprintln(g.stderr)
	if err != nil {
		return nil, fmt.Errorf("read passphrase: %w", err)
	}
	if len(p) == 0 {
		return nil, usageError{errors.New("empty passphrase")}
	}
	return p, nil
}

// newPassphrase returns the passphrase for a new key of ca init or ca csr
// create: the passphrase sources, or a prompt asked twice; nil with noPass.
func (g *globals) newPassphrase(noPass bool) ([]byte, error) { return g.secrets().NewKey(noPass) }

// durationUnits ends the help of every flag that takes a duration: "1m" is
// a minute, which someone thinking of months would not guess.
const durationUnits = "; units s, m (minutes, not months), h, d, y"
