package main

import (
	"context"
	"crypto"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
)

type intermediateOptions struct {
	caFlags
	parent      string
	permitDNS   []string
	excludeDNS  []string
	permitIP    []string
	excludeIP   []string
	permitEmail []string
}

func newIntermediateCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "intermediate",
		Short: "Manage intermediate CAs",
		Args:  noArgs,
	}
	cmd.AddCommand(newIntermediateCreateCmd(g))
	return cmd
}

func newIntermediateCreateCmd(g *globals) *cobra.Command {
	o := &intermediateOptions{}
	cmd := &cobra.Command{
		Use:   "create --name NAME --cn CN",
		Short: "Create an intermediate CA signed by the root or another intermediate",
		Long: `create makes a key and an intermediate CA certificate signed by --parent (the
root by default), records it, and writes issuers/NAME/ with cert.pem, chain.pem,
key.pem and policy.json. O, C and ST not given are taken from the parent, so
the default policy's "match" rules hold down the chain. Name constraints
(--permit-dns, --exclude-dns, --permit-ip, --permit-email) are marked critical.
Its validity never passes the parent's (exit 3).`,
		Example: `  ca intermediate create --name issuing --cn "Example Issuing CA" --permit-dns example.com`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// An empty value ("$VAR" unset) would make a CA without the
			// constraint asked for: refuse it rather than drop it.
			for _, name := range []string{"permit-dns", "exclude-dns", "permit-ip", "exclude-ip", "permit-email"} {
				if v, _ := cmd.Flags().GetStringSlice(name); cmd.Flags().Changed(name) && len(v) == 0 {
					return usageError{fmt.Errorf("--%s is empty; give a name, or leave the flag out", name)}
				}
			}
			return runIntermediateCreate(cmd.Context(), g, o)
		},
	}
	o.dn.register(cmd, "common name of the intermediate (required)")
	f := cmd.Flags()
	f.StringVar(&o.name, "name", "", "the intermediate's name in the home (required)")
	f.StringVar(&o.parent, "parent", "", "the issuer that signs it (default: the root)")
	f.IntVar(&o.pathLen, "path-len", 0, "path length constraint (-1: none)")
	f.StringVar(&o.validity, "validity", "5y", "how long it is valid"+durationUnits)
	f.StringVar(&o.keyType, "key-type", "ecdsa-p256", "key type")
	f.StringSliceVar(&o.permitDNS, "permit-dns", nil, "permitted DNS subtree (repeatable)")
	f.StringSliceVar(&o.excludeDNS, "exclude-dns", nil, "excluded DNS subtree (repeatable)")
	f.StringSliceVar(&o.permitIP, "permit-ip", nil, "permitted IP range in CIDR form (repeatable)")
	f.StringSliceVar(&o.excludeIP, "exclude-ip", nil, "excluded IP range in CIDR form (repeatable)")
	f.StringSliceVar(&o.permitEmail, "permit-email", nil, "permitted email domain or address (repeatable)")
	f.StringVar(&o.policyFile, "policy", "", "policy.json for the intermediate (default: the default policy)")
	f.BoolVar(&o.noPass, "no-passphrase", false, "store the new key unencrypted")
	cmd.MarkFlagRequired("name")
	cmd.MarkFlagRequired("cn")
	return cmd
}

// checkDNSConstraints refuses (exit 2) a --permit-dns or --exclude-dns that
// is not a DNS name, or one with a leading "." (subdomains only, RFC 5280,
// 4.2.1.10): a wildcard or a misspelt domain would make a CA that signs
// nothing or that verifiers reject.
func checkDNSConstraints(permit, exclude []string) error {
	for _, flag := range []struct {
		name string
		list []string
	}{{"permit-dns", permit}, {"exclude-dns", exclude}} {
		for _, v := range flag.list {
			if p := csr.DNSNameProblem(strings.TrimPrefix(v, "."), false); p != "" {
				return usageError{fmt.Errorf("--%s %q %s", flag.name, v, p)}
			}
		}
	}
	return nil
}

func parseCIDRs(flag string, list []string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, s := range list {
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			return nil, usageError{fmt.Errorf("--%s %q is not a CIDR range such as 10.0.0.0/8", flag, s)}
		}
		out = append(out, n)
	}
	return out, nil
}

func runIntermediateCreate(ctx context.Context, g *globals, o *intermediateOptions) error {
	kt, validity, policy, err := o.check()
	if err != nil {
		return err
	}
	if err := o.dn.check(); err != nil {
		return err
	}
	if err := checkDNSConstraints(o.permitDNS, o.excludeDNS); err != nil {
		return err
	}
	permitIP, err := parseCIDRs("permit-ip", o.permitIP)
	if err != nil {
		return err
	}
	excludeIP, err := parseCIDRs("exclude-ip", o.excludeIP)
	if err != nil {
		return err
	}
	dir := g.issuerDir(o.name)
	dirFree := func() error {
		if _, err := os.Lstat(dir); err == nil {
			return fmt.Errorf("%w: issuer %q (%s exists); choose another --name", ca.ErrExists, o.name, dir)
		}
		return nil
	}
	if err := dirFree(); err != nil {
		return err
	}

	parentName := o.parent
	if parentName == "" {
		parentName = theRoot
	}
	parent, err := g.openIssuer(ctx, parentName)
	if err != nil {
		return err
	}
	newPass, err := g.newKeyPassphrase(o.noPass, parent.keyPass, true)
	if err != nil {
		return err
	}
	subject := inheritSubject(o.dn.name(), parent.set.certs[parent.rec.Name].Subject)
	if policy == nil {
		policy = csr.DefaultPolicy(subject)
	}
	// The new key and its KDF, before the store is locked.
	key, err := pem.GenerateKey(kt)
	if err != nil {
		return err
	}
	keyPEM, err := pem.MarshalPrivateKeyCost(key, newPass, g.kdfCost)
	clear(newPass) // the KDF is done; newPass may be the parent's, which is not needed again
	clear(parent.keyPass)
	if err != nil {
		return err
	}
	if err := parent.bind(g); err != nil {
		return err
	}
	defer parent.Close()
	if err := parent.CheckNotRevoked(ctx); err != nil {
		return err
	}
	// Again with the store held: the directory may have appeared while
	// this command waited for it.
	if err := dirFree(); err != nil {
		return err
	}
	cfg := ca.CAConfig{
		Subject: subject, Validity: validity, MaxPathLen: o.pathLen,
		PermittedDNSDomains: o.permitDNS, ExcludedDNSDomains: o.excludeDNS,
		PermittedIPRanges: permitIP, ExcludedIPRanges: excludeIP, PermittedEmailAddresses: o.permitEmail,
	}
	issued, err := g.placeIntermediate(ctx, parent, o.name, cfg, key, keyPEM, policy)
	if err != nil {
		return err
	}
	c := issued.Cert
	return g.render(intermediateResult{
		Issuer: o.name, Parent: parent.Name(), Serial: ca.FormatSerial(c.SerialNumber), Subject: c.Subject.String(),
		NotAfter: c.NotAfter.UTC(), PathLen: o.pathLen, KeyType: string(kt), Encrypted: newPass != nil,
		Chain: filepath.Join(g.issuerDir(o.name), fileChain),
	})
}

// inheritSubject fills O, C and ST of an intermediate's subject from its
// parent's when they are not given, so that the default policy's "match"
// rules hold down the chain.
func inheritSubject(subject, parent pkix.Name) pkix.Name {
	if len(subject.Organization) == 0 {
		subject.Organization = parent.Organization
	}
	if len(subject.Country) == 0 {
		subject.Country = parent.Country
	}
	if len(subject.Province) == 0 {
		subject.Province = parent.Province
	}
	return subject
}

// placeIntermediate signs and records the intermediate name under parent
// and puts its directory in place: the directory is staged beside its place
// (the key first, then, just before the commit, the certificate, chain and
// policy), and after the commit only a rename is left, which needs no disk
// space. The directory appears whole or not at all.
func (g *globals) placeIntermediate(ctx context.Context, parent *loadedIssuer, name string, cfg ca.CAConfig,
	key crypto.Signer, keyPEM []byte, policy *csr.Policy) (*ca.Issued, error) {
	dir := g.issuerDir(name)
	issuersDir := filepath.Dir(dir)
	stage, err := os.MkdirTemp(issuersDir, "."+name+".new-")
	if err != nil {
		return nil, fmt.Errorf("stage issuer: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			os.RemoveAll(stage)
		}
	}()
	keyFile := pem.File{Path: filepath.Join(stage, fileKey), Data: keyPEM, Mode: 0o600, NoReplace: true}
	if err := pem.WriteFiles(keyFile); err != nil {
		return nil, err
	}
	cfg.Stage = func(issued *ca.Issued) error {
		files, err := issuerFiles(stage, issued.Cert, parent.Chain(), nil, policy)
		if err != nil {
			return err
		}
		return pem.WriteFiles(files...)
	}
	g.crashPoint(ca.StageBeforeCommit)
	issued, err := parent.CreateIntermediate(ctx, name, cfg, key.Public())
	if err != nil {
		return nil, err
	}
	// Recorded: the stage holds the only copy of the new key and is kept
	// whatever happens next.
	committed = true
	g.crashPoint(ca.StageAfterCommit)
	if err := os.Rename(stage, dir); err != nil {
		return nil, fmt.Errorf("issuer %s is recorded (serial %s) but its directory could not be put in place: %v; "+
			"its key and certificate are in %s: move it to %s once that is free", name, ca.FormatSerial(issued.Cert.SerialNumber), err, stage, dir)
	}
	if err := pem.SyncDir(issuersDir); err != nil {
		return nil, err
	}
	g.crashPoint(ca.StageAfterWrite)
	return issued, nil
}

type intermediateResult struct {
	Issuer    string    `json:"issuer"`
	Parent    string    `json:"parent"`
	Serial    string    `json:"serial"`
	Subject   string    `json:"subject"`
	NotAfter  time.Time `json:"notAfter"`
	PathLen   int       `json:"pathLen"`
	KeyType   string    `json:"keyType"`
	Encrypted bool      `json:"encrypted"`
	Chain     string    `json:"chain"`
}

func (r intermediateResult) text(w io.Writer) {
	fmt.Fprintf(w, "created intermediate %q signed by %q\n  subject  %s\n  serial   %s\n  notAfter %s\n  chain    %s\n",
		r.Issuer, r.Parent, r.Subject, r.Serial, r.NotAfter.Format(time.RFC3339), r.Chain)
}

// newKeyPassphrase returns the passphrase for the new key of a command that
// also opens an issuer key: --key-passphrase-file, else (when fallback) the
// issuer's own passphrase; nil with --no-passphrase. Without either, a usage
// error: device keys never silently share the CA's passphrase.
func (g *globals) newKeyPassphrase(noPass bool, issuerPass []byte, fallback bool) ([]byte, error) {
	if noPass && g.keyPassphraseFile != "" {
		return nil, usageError{errors.New("--key-passphrase-file and --no-passphrase contradict each other: encrypt the new key, or not")}
	}
	if noPass {
		return nil, nil
	}
	p, ok, err := g.keyPassphrase()
	if err != nil {
		return nil, err
	}
	if ok {
		return p, checkNewPassphrase(p)
	}
	if fallback && issuerPass != nil {
		if pem.CheckNewPassphrase(issuerPass) != nil {
			return nil, usageError{fmt.Errorf("the issuer's passphrase is under %d characters, too short for a new key: give the new key its own with --key-passphrase-file FILE", pem.MinPassphrase)}
		}
		return issuerPass, nil
	}
	if fallback {
		return g.newPassphrase(false)
	}
	return nil, usageError{fmt.Errorf("the new key needs --key-passphrase-file FILE (or CA_KEY_PASSPHRASE_FILE) or --no-passphrase")}
}
