package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/pkg/passphrase"
	"github.com/ca-toolkit/ca/pkg/pem"
)

type intermediateOptions struct {
	caFlags
	parent string
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
	registerDN(cmd, &o.DN, "common name of the intermediate (required)")
	f := cmd.Flags()
	f.StringVar(&o.Name, "name", "", "the intermediate's name in the home (required)")
	f.StringVar(&o.parent, "parent", "", "the issuer that signs it (default: the root)")
	f.IntVar(&o.PathLen, "path-len", 0, "path length constraint (-1: none)")
	f.StringVar(&o.Validity, "validity", "5y", "how long it is valid"+durationUnits)
	f.StringVar(&o.KeyType, "key-type", "ecdsa-p256", "key type")
	f.StringSliceVar(&o.PermitDNS, "permit-dns", nil, "permitted DNS subtree (repeatable)")
	f.StringSliceVar(&o.ExcludeDNS, "exclude-dns", nil, "excluded DNS subtree (repeatable)")
	f.StringSliceVar(&o.PermitIP, "permit-ip", nil, "permitted IP range in CIDR form (repeatable)")
	f.StringSliceVar(&o.ExcludeIP, "exclude-ip", nil, "excluded IP range in CIDR form (repeatable)")
	f.StringSliceVar(&o.PermitEmail, "permit-email", nil, "permitted email domain or address (repeatable)")
	f.StringVar(&o.PolicyFile, "policy", "", "policy.json for the intermediate (default: the default policy)")
	f.BoolVar(&o.noPass, "no-passphrase", false, "store the new key unencrypted")
	o.registerURLs(cmd)
	registerKeyURI(cmd, &o.KeyURI)
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

func runIntermediateCreate(ctx context.Context, g *globals, o *intermediateOptions) error {
	req, err := o.NewCA()
	if err != nil {
		return err
	}
	if o.KeyURI == "" {
		req.KDFCost = g.kdfCost
		req.Passphrase = func(parent []byte) ([]byte, error) { return g.newKeyPassphrase(o.noPass, parent, true) }
	}
	created, err := g.h().CreateIntermediate(ctx, o.parent, req)
	if err != nil {
		return err
	}
	return g.renderText(g.h().CreatedReport(req, created))
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
		return p, passphrase.CheckNew(p)
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
