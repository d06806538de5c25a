package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
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
	cmd.AddCommand(newIntermediateCreateCmd(g), newIntermediateRenewCmd(g))
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
			if err := checkNotEmpty(cmd, "permit-dns", "exclude-dns", "permit-ip", "exclude-ip", "permit-email"); err != nil {
				return err
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
	o.registerURLs(cmd)
	registerKeyURI(cmd, &o.keyURI)
	cmd.MarkFlagRequired("name")
	cmd.MarkFlagRequired("cn")
	return cmd
}

// checkNotEmpty refuses a list flag given with an empty value ("$VAR"
// unset): it would make a CA without the constraint asked for.
func checkNotEmpty(cmd *cobra.Command, names ...string) error {
	for _, name := range names {
		if v, _ := cmd.Flags().GetStringSlice(name); cmd.Flags().Changed(name) && len(v) == 0 {
			return usageError{fmt.Errorf("--%s is empty; give a name, or leave the flag out", name)}
		}
	}
	return nil
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
	if o.keyURI != "" {
		return runIntermediateToken(ctx, g, o)
	}
	kt, tmpl, policy, err := o.config()
	if err != nil {
		return err
	}
	created, err := g.h().CreateIntermediate(ctx, o.parent, home.NewCA{
		Name: o.name, Template: tmpl, KeyType: kt, KDFCost: g.kdfCost, Policy: policy,
		Passphrase: func(parent []byte) ([]byte, error) { return g.newKeyPassphrase(o.noPass, parent, true) },
	})
	if err != nil {
		return err
	}
	c := created.Cert
	return g.render(intermediateResult{
		Issuer: o.name, Parent: created.Parent, Serial: ca.FormatSerial(c.SerialNumber), Subject: c.Subject.String(),
		NotAfter: c.NotAfter.UTC(), PathLen: o.pathLen, KeyType: string(kt), Encrypted: created.Encrypted,
		Chain: g.h().IssuerFile(o.name, home.FileChain),
	})
}

// config parses the flags into the new CA's key type, configuration and
// policy (nil: the default policy of its subject).
func (o *intermediateOptions) config() (pem.KeyType, ca.Template, *csr.Policy, error) {
	kt, validity, policy, err := o.check()
	if err != nil {
		return "", ca.Template{}, nil, err
	}
	if err := checkDNSConstraints(o.permitDNS, o.excludeDNS); err != nil {
		return "", ca.Template{}, nil, err
	}
	permitIP, err := parseCIDRs("permit-ip", o.permitIP)
	if err != nil {
		return "", ca.Template{}, nil, err
	}
	excludeIP, err := parseCIDRs("exclude-ip", o.excludeIP)
	if err != nil {
		return "", ca.Template{}, nil, err
	}
	return kt, ca.Template{
		Subject: o.dn.name(), Validity: validity, MaxPathLen: o.pathLen,
		PermittedDNSDomains: o.permitDNS, ExcludedDNSDomains: o.excludeDNS,
		PermittedIPRanges: permitIP, ExcludedIPRanges: excludeIP, PermittedEmailAddresses: o.permitEmail,
		URLs: o.urls,
	}, policy, nil
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
	fmt.Fprintf(w, "created intermediate %q signed by %q\n  subject  %s\n  serial   %s\n  notAfter %s\n  key      %s%s\n  chain    %s\n",
		r.Issuer, r.Parent, r.Subject, r.Serial, r.NotAfter.Format(time.RFC3339), r.KeyType, encryptedText(r.Encrypted), r.Chain)
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
