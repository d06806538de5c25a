package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/pkg/ca"
)

type verifyOptions struct {
	issuer string
}

func newVerifyCmd(g *globals) *cobra.Command {
	o := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify FILE",
		Short: "Check a certificate against the home: chain, validity, revocation",
		Long: `verify checks one certificate file (PEM or DER; "-" is stdin) as a
relying party that trusts the home's root would, and with what only the home
knows: it must chain to the root through the home's issuers (any extended key
usage; name constraints apply), be valid now, be recorded in the store, and
neither it nor an intermediate of its chain may be revoked. With --issuer,
NAME must have signed it directly. A certificate that its issuer's last CRL
lists is revoked even when the store has lost the record of its revocation
(the detail names the CRL, JSON gives revokedOnCRL).

Exit 0 and "OK" when good; exit 6 with the reason otherwise (expired, not yet
valid, revoked with its reason and date, untrusted: no chain to the root,
unknown: not recorded). With -o json, an object with status (good, expired,
notYetValid, revoked, untrusted, unknown), detail, chain and revocation.`,
		Example: `  ca verify web.crt
  ca verify -o json --issuer issuing device-0042.crt`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runVerify(cmd.Context(), g, o, args[0]) },
	}
	cmd.Flags().StringVar(&o.issuer, "issuer", "", "the issuer that must have signed it directly")
	return cmd
}

func runVerify(ctx context.Context, g *globals, o *verifyOptions, file string) error {
	cert, err := readCertArg(g.stdin, file)
	if err != nil {
		return err
	}
	st, err := g.h().OpenStoreRead()
	if err != nil {
		return err
	}
	defer st.Close()
	if o.issuer != "" {
		if _, err := st.Issuer(ctx, o.issuer); err != nil {
			return err
		}
	}
	v, err := ca.Verify(ctx, st, cert, ca.VerifyOptions{Issuer: o.issuer, Now: g.now()})
	if err != nil {
		return err
	}
	st.Close()
	res := newVerifyResult(file, v)
	if g.json() || v.Status == ca.VerifyGood {
		if err := g.render(res); err != nil {
			return err
		}
	}
	if err := v.Err(); err != nil {
		return &exitError{code: exitVerify, msg: fmt.Sprintf("%s: %s: %s", file, v.Status, v.Detail)}
	}
	return nil
}

// verifyResult is what ca verify reports, for text and JSON.
type verifyResult struct {
	File       string         `json:"file"`
	Status     string         `json:"status"`
	Detail     string         `json:"detail"`
	Chain      []ca.ChainLink `json:"chain"`
	Revocation *revokeRow     `json:"revocation"`
	// RevokedOnCRL names the CRL that lists the certificate when the store
	// has lost its revocation record (null otherwise).
	RevokedOnCRL *crlRef `json:"revokedOnCRL"`
}

// crlRef names one CRL of the home.
type crlRef struct {
	Issuer string `json:"issuer"`
	Number uint64 `json:"number"`
}

func newVerifyResult(file string, v *ca.Verification) *verifyResult {
	r := &verifyResult{File: file, Status: v.Status, Detail: v.Detail, Chain: v.Chain}
	if r.Chain == nil {
		r.Chain = []ca.ChainLink{}
	}
	if v.Revoked != nil {
		row := newRevokeResult([]ca.Revocation{*v.Revoked})[0]
		r.Revocation = &row
	}
	if on := v.RevokedOn; on != nil {
		r.RevokedOnCRL = &crlRef{Issuer: on.Issuer, Number: on.CRLNumber.Uint64()}
	}
	return r
}

func (r *verifyResult) text(w io.Writer) {
	fmt.Fprintf(w, "%s: OK\n", r.File)
	for i, l := range r.Chain {
		by := ""
		if l.Issuer != "" {
			by = ", issued by " + l.Issuer
		}
		fmt.Fprintf(w, "%*s%s (serial %s%s)\n", 2*i+2, "", l.Subject, l.Serial, by)
	}
}
