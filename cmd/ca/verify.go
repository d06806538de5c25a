package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/verify"
)

type verifyOptions struct {
	issuer string
	strict verify.Input
}

// strictFlags are the flags that only make sense with --roots.
var strictFlags = []string{"untrusted", "dns", "ip", "email", "purpose", "at", "crl"}

func newVerifyCmd(g *globals) *cobra.Command {
	o := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify FILE",
		Short: "Check a certificate: against the home, or strictly against --roots",
		Long: `verify checks one certificate file (PEM or DER; "-" is stdin; the leaf
first, then any chain).

Without --roots it checks it as a relying party that trusts the home's root
would, and with what only the home knows: it must chain to the root through
the home's issuers (any extended key usage; name constraints apply), be valid
now, be recorded in the store, and neither it nor an intermediate of its chain
may be revoked. With --issuer, NAME must have signed it directly. A
certificate that its issuer's last CRL lists is revoked even when the store
has lost the record of its revocation (the detail names the CRL, JSON gives
revokedOnCRL). With -o json, an object with status (good, expired,
notYetValid, revoked, untrusted, unknown), detail, chain, revocation and
revokedOnCRL.

With --roots FILE it needs no home: the chain must lead to one of those roots
(certificates after the leaf, and those of --untrusted, may serve as
intermediates), be valid at --at (RFC 3339 or @UNIX seconds; default now),
hold the --dns, --ip or --email name, permit --purpose (server, client or
any, the default) through the chain, and pass every rule of RFC 5280 that
crypto/x509 leaves unchecked (docs/verify.md lists them). Each --crl (PEM or
DER; repeat the flag for more) is checked for every certificate of the
chain it covers; a CRL that has lapsed, that no given certificate signed, or
that breaks RFC 5280 is a failure. With -o json, an object with status (good
or bad), chain and reasons (rule, ref, certificate, detail).

Exit 0 and "OK" when good; exit 6 with every reason otherwise (which
certificate, which rule); exit 2 for input that cannot be used.`,
		Example: `  ca verify web.crt
  ca verify -o json --issuer issuing device-0042.crt
  ca verify --roots roots.pem --dns www.example.com --purpose server chain.pem
  ca verify --roots root.pem --crl issuing.crl --crl root.crl --at 2027-01-01T00:00:00Z leaf.pem`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.strict.Roots != "" {
				return runVerifyRoots(g, o.strict, args[0])
			}
			for _, f := range strictFlags {
				if cmd.Flags().Changed(f) {
					return usageError{fmt.Errorf("--%s needs --roots: without it, verify checks against the home", f)}
				}
			}
			return runVerify(cmd.Context(), g, o, args[0])
		},
	}
	o.register(cmd)
	return cmd
}

// register adds verify's flags to cmd.
func (o *verifyOptions) register(cmd *cobra.Command) {
	f, in := cmd.Flags(), &o.strict
	f.StringVar(&o.issuer, "issuer", "", "the issuer of the home that must have signed it directly")
	f.StringVar(&in.Roots, "roots", "", "verify against the root certificates in `FILE`, not the home")
	f.StringVar(&in.Untrusted, "untrusted", "", "intermediate certificates in `FILE` that may help build the chain")
	f.StringVar(&in.DNS, "dns", "", "the DNS `NAME` the leaf must hold")
	f.StringVar(&in.IP, "ip", "", "the IP `ADDR` the leaf must hold")
	f.StringVar(&in.Email, "email", "", "the email `ADDR` the leaf must hold")
	f.StringVar(&in.Purpose, "purpose", "any", "what the leaf must be good for: server, client or any")
	f.StringVar(&in.At, "at", "", "verify at `TIME` (RFC 3339 or @UNIX seconds) instead of now")
	f.StringArrayVar(&in.CRLs, "crl", nil, "a CRL `FILE` (PEM or DER) to check the chain against; repeatable")
	cmd.MarkFlagsMutuallyExclusive("dns", "ip", "email")
	cmd.MarkFlagsMutuallyExclusive("issuer", "roots")
}

// runVerifyRoots verifies against --roots, without a home.
func runVerifyRoots(g *globals, in verify.Input, file string) error {
	res, err := verify.VerifyPath(g.stdin, file, in, g.now())
	if err != nil {
		return err
	}
	if g.json() || res.Good() {
		if err := g.render(strictView{res.Report(file)}); err != nil {
			return err
		}
	}
	if res.Good() {
		return nil
	}
	// One line a reason, each starting "ca: " as every diagnostic does.
	last := len(res.Reasons) - 1
	for _, r := range res.Reasons[:last] {
		fmt.Fprintf(g.stderr, "ca: %s: not good: %s\n", file, ca.Printable(r.String()))
	}
	return &exitError{code: exitVerify, msg: fmt.Sprintf("%s: not good: %s", file, ca.Printable(res.Reasons[last].String()))}
}

// strictView writes what ca verify --roots says of a good certificate.
type strictView struct{ *verify.Report }

func (r strictView) text(w io.Writer) {
	fmt.Fprintf(w, "%s: OK\n", r.File)
	for i, l := range r.Chain {
		fmt.Fprintf(w, "%*s%s (serial %s)\n", 2*i+2, "", ca.Printable(l.Subject), l.Serial)
	}
}

func runVerify(ctx context.Context, g *globals, o *verifyOptions, file string) error {
	cert, err := home.ReadLeafFile(g.stdin, file)
	if err != nil {
		return err
	}
	v, err := g.h().Verify(ctx, cert, o.issuer)
	if err != nil {
		return err
	}
	if g.json() || v.Status == ca.VerifyGood {
		if err := g.renderText(v.Report(file)); err != nil {
			return err
		}
	}
	if err := v.Err(); err != nil {
		return &exitError{code: exitVerify, msg: fmt.Sprintf("%s: %s: %s", file, v.Status, v.Detail)}
	}
	return nil
}
