package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/store"
)

type initOptions struct {
	caFlags
}

func newInitCmd(g *globals) *cobra.Command {
	o := &initOptions{}
	cmd := &cobra.Command{
		Use:   "init --cn NAME",
		Short: "Create a new home with a self-signed root CA",
		Long: `init creates the home (--home, $CA_HOME or ./pki) with a self-signed root:
its certificate, its key (PKCS#8, encrypted unless --no-passphrase, mode 0600),
its signing policy and the store. It never touches an existing home (exit 5),
and a failure half-way leaves no home behind.`,
		Example: `  ca init --cn "Example Root CA" --org Example --country DE --no-passphrase
  CA_PASSPHRASE_FILE=pass.txt ca init --cn "Example Root CA" --key-type ecdsa-p384`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runInit(cmd.Context(), g, o) },
	}
	o.dn.register(cmd, "common name of the root (required)")
	f := cmd.Flags()
	f.StringVar(&o.name, "name", "root", "the root's name in the home")
	f.StringVar(&o.keyType, "key-type", "ecdsa-p256", "ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519")
	f.StringVar(&o.validity, "validity", "10y", "how long the root is valid"+durationUnits)
	f.IntVar(&o.pathLen, "path-len", -1, "path length constraint (-1: none)")
	f.StringVar(&o.policyFile, "policy", "", "policy.json for the root (default: the default policy)")
	f.BoolVar(&o.noPass, "no-passphrase", false, "store the root key unencrypted")
	cmd.MarkFlagRequired("cn")
	return cmd
}

func runInit(ctx context.Context, g *globals, o *initOptions) error {
	kt, validity, policy, err := o.check()
	if err != nil {
		return err
	}
	if err := o.dn.check(); err != nil {
		return err
	}
	subject := o.dn.name()
	if policy == nil {
		policy = csr.DefaultPolicy(subject)
	}
	existing, err := checkNewHome(g.home)
	if err != nil {
		return err
	}
	pass, err := g.newPassphrase(o.noPass)
	if err != nil {
		return err
	}
	key, err := pem.GenerateKey(kt)
	if err != nil {
		return err
	}
	cert, err := ca.CreateRoot(ca.CAConfig{Subject: subject, Validity: validity, MaxPathLen: o.pathLen}, key, g.now())
	if err != nil {
		return err
	}
	keyPEM, err := pem.MarshalPrivateKeyCost(key, pass, g.kdfCost)
	clear(pass) // the KDF is done
	if err != nil {
		return err
	}

	// Build the whole home beside its place, then rename it in: a failure
	// half-way leaves no half-made home. An existing empty home (a mount
	// point, a directory made by configuration management) is kept: the
	// home is built inside it and its two entries moved in, ca.db last.
	parent := filepath.Dir(filepath.Clean(g.home))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", parent, err)
	}
	stageIn := parent
	if existing {
		stageIn = g.home
	}
	tmp, err := os.MkdirTemp(stageIn, initStagePrefix(g.home))
	if err != nil {
		return fmt.Errorf("create home: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o700); err != nil {
		return err
	}
	dir := filepath.Join(tmp, "issuers", o.name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create home: %w", err)
	}
	st, err := store.Open(filepath.Join(tmp, "ca.db"), store.Options{Create: true, Timeout: g.lockTimeout, Actor: g.actor()})
	if err != nil {
		return err
	}
	err = st.AddIssuer(ctx, ca.IssuerRecord{Name: o.name, Serial: cert.SerialNumber, DER: cert.Raw},
		ca.NewCertRecord(cert, o.name, ca.ProfileRoot))
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	files, err := issuerFiles(dir, cert, nil, keyPEM, policy)
	if err != nil {
		return err
	}
	if err := pem.WriteFiles(files...); err != nil {
		return err
	}
	// The names in the staged directories are made durable before they
	// move, so that the home never appears without ca.db or its root.
	for _, d := range []string{filepath.Join(tmp, "issuers"), tmp} {
		if err := pem.SyncDir(d); err != nil {
			return err
		}
	}
	if existing {
		err = moveHomeInto(tmp, g.home)
	} else {
		err = os.Rename(tmp, g.home)
		if err == nil {
			err = pem.SyncDir(parent)
		}
	}
	if errors.Is(err, fs.ErrExist) || errors.Is(err, unix.ENOTEMPTY) {
		return fmt.Errorf("%w: %s appeared while init ran; nothing changed", ca.ErrExists, g.home)
	}
	if err != nil {
		return fmt.Errorf("create home %s: %w", g.home, err)
	}
	return g.render(initResult{
		Home: g.home, Issuer: o.name, Serial: ca.FormatSerial(cert.SerialNumber), Subject: cert.Subject.String(),
		NotAfter: cert.NotAfter.UTC(), KeyType: string(kt), Encrypted: pass != nil,
		Cert: filepath.Join(g.issuerDir(o.name), fileCert),
	})
}

type initResult struct {
	Home      string    `json:"home"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"`
	Subject   string    `json:"subject"`
	NotAfter  time.Time `json:"notAfter"`
	KeyType   string    `json:"keyType"`
	Encrypted bool      `json:"encrypted"`
	Cert      string    `json:"cert"`
}

func (r initResult) text(w io.Writer) {
	fmt.Fprintf(w, "created home %s with root %q (%s)\n  subject  %s\n  serial   %s\n  notAfter %s\n  key      %s%s\n  trust    %s\n",
		r.Home, r.Issuer, r.KeyType, r.Subject, r.Serial, r.NotAfter.Format(time.RFC3339), r.KeyType, map[bool]string{true: ", encrypted", false: ", not encrypted"}[r.Encrypted], r.Cert)
}

// checkNewHome refuses a home that exists and is not an empty directory;
// existing says it is one.
func checkNewHome(home string) (existing bool, err error) {
	entries, err := os.ReadDir(home)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		if _, serr := os.Stat(home); serr == nil {
			return false, fmt.Errorf("%w: %s exists and is not an empty directory; nothing changed", ca.ErrExists, home)
		}
		return false, fmt.Errorf("check home: %w", err)
	case len(entries) > 0:
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), initStagePrefix(home)) {
				return false, fmt.Errorf("%w: home %s holds %s, left by an interrupted \"ca init\" (with a root key nothing uses): remove it, and anything else in %s, then run init again",
					ca.ErrExists, home, filepath.Join(home, e.Name()), home)
			}
		}
		return false, fmt.Errorf("%w: home %s is already initialised (or not empty); nothing changed. Choose another --home", ca.ErrExists, home)
	}
	return true, nil
}

// initStagePrefix begins the name of the hidden directory init builds the
// home in: beside the home, or inside an existing empty one.
func initStagePrefix(home string) string {
	return "." + filepath.Base(filepath.Clean(home)) + ".init-"
}

// moveHomeInto moves the staged home's issuers directory, then its ca.db,
// into the existing empty directory home, neither replacing anything, and
// syncs home. Interrupted between the two, home holds issuers/ without
// ca.db, which no command takes for a home; init refuses it as not empty.
func moveHomeInto(stage, home string) error {
	move := func(name, from, to string) error {
		return pem.RenameNoReplace(filepath.Join(from, name), filepath.Join(to, name))
	}
	if err := move("issuers", stage, home); err != nil {
		return err
	}
	if err := move("ca.db", stage, home); err != nil {
		move("issuers", home, stage) // best effort: leave home as it was
		return err
	}
	return pem.SyncDir(home)
}

// caFlags are the flags ca init and ca intermediate create share.
type caFlags struct {
	dn         dnFlags
	name       string
	keyType    string
	validity   string
	pathLen    int
	policyFile string
	noPass     bool
}

// check parses the flags; policy is nil when --policy was not given.
func (c *caFlags) check() (pem.KeyType, time.Duration, *csr.Policy, error) {
	kt, err := pem.ParseKeyType(c.keyType)
	if err != nil {
		return "", 0, nil, err
	}
	validity, err := parseDuration("validity", c.validity)
	if err != nil {
		return "", 0, nil, err
	}
	if err := ca.CheckIssuerName(c.name); err != nil {
		return "", 0, nil, err
	}
	if c.policyFile == "" {
		return kt, validity, nil, nil
	}
	policy, err := readPolicy(c.policyFile)
	return kt, validity, policy, err
}
