package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/verify"
)

type verifyOptions struct {
	issuer    string
	roots     string
	untrusted string
	dns       string
	ip        string
	email     string
	purpose   string
	at        string
	crls      []string
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
			if o.roots != "" {
				return runVerifyRoots(g, o, args[0])
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
	f := cmd.Flags()
	f.StringVar(&o.issuer, "issuer", "", "the issuer of the home that must have signed it directly")
	f.StringVar(&o.roots, "roots", "", "verify against the root certificates in `FILE`, not the home")
	f.StringVar(&o.untrusted, "untrusted", "", "intermediate certificates in `FILE` that may help build the chain")
	f.StringVar(&o.dns, "dns", "", "the DNS `NAME` the leaf must hold")
	f.StringVar(&o.ip, "ip", "", "the IP `ADDR` the leaf must hold")
	f.StringVar(&o.email, "email", "", "the email `ADDR` the leaf must hold")
	f.StringVar(&o.purpose, "purpose", "any", "what the leaf must be good for: server, client or any")
	f.StringVar(&o.at, "at", "", "verify at `TIME` (RFC 3339 or @UNIX seconds) instead of now")
	f.StringArrayVar(&o.crls, "crl", nil, "a CRL `FILE` (PEM or DER) to check the chain against; repeatable")
	cmd.MarkFlagsMutuallyExclusive("dns", "ip", "email")
	cmd.MarkFlagsMutuallyExclusive("issuer", "roots")
}

// runVerifyRoots verifies against --roots, without a home.
func runVerifyRoots(g *globals, o *verifyOptions, file string) error {
	data, err := readVerifyFile(g.stdin, file, "certificate")
	if err != nil {
		return err
	}
	opts, err := o.strictOptions(g)
	if err != nil {
		return err
	}
	res, err := verify.VerifyFile(data, opts)
	if err != nil {
		return verifyInputError("certificate "+file, err)
	}
	out := newStrictVerifyResult(file, res)
	if g.json() || res.Good() {
		if err := g.render(out); err != nil {
			return err
		}
	}
	if res.Good() {
		return nil
	}
	// One line a reason, each starting "ca: " as every diagnostic does.
	last := len(res.Reasons) - 1
	for _, r := range res.Reasons[:last] {
		fmt.Fprintf(g.stderr, "ca: %s: not good: %s\n", file, printable(r.String()))
	}
	return &exitError{code: exitVerify, msg: fmt.Sprintf("%s: not good: %s", file, printable(res.Reasons[last].String()))}
}

// strictOptions reads the files and values of the --roots mode.
func (o *verifyOptions) strictOptions(g *globals) (verify.Options, error) {
	opts := verify.Options{DNSName: o.dns, Email: o.email, At: g.now()}
	var err error
	if opts.Roots, err = readCertsFlag("--roots", o.roots); err != nil {
		return opts, err
	}
	if len(opts.Roots) == 0 {
		return opts, usageError{fmt.Errorf("--roots %s holds no certificate", o.roots)}
	}
	if o.untrusted != "" {
		if opts.Intermediates, err = readCertsFlag("--untrusted", o.untrusted); err != nil {
			return opts, err
		}
	}
	if o.ip != "" {
		if opts.IP = net.ParseIP(strings.Trim(o.ip, "[]")); opts.IP == nil {
			return opts, usageError{fmt.Errorf("--ip %q is not an IP address", o.ip)}
		}
	}
	if opts.Purpose, err = verify.ParsePurpose(o.purpose); err != nil {
		return opts, verifyInputError("--purpose", err)
	}
	if o.at != "" {
		if opts.At, err = verify.ParseTime(o.at); err != nil {
			return opts, verifyInputError("--at", err)
		}
	}
	for _, f := range o.crls {
		data, err := readVerifyFile(nil, f, "CRL")
		if err != nil {
			return opts, err
		}
		crls, err := verify.ParseCRLs(f, data)
		if err != nil {
			return opts, verifyInputError("--crl "+f, err)
		}
		opts.CRLs = append(opts.CRLs, crls...)
	}
	return opts, nil
}

func readCertsFlag(flag, path string) ([]*x509.Certificate, error) {
	data, err := readVerifyFile(nil, path, "certificate")
	if err != nil {
		return nil, err
	}
	certs, err := verify.ParseCertificates(data)
	if err != nil {
		return nil, verifyInputError(flag+" "+path, err)
	}
	return certs, nil
}

// verifyInputError words an error of pkg/verify about what, for people:
// without the library's prefixes, exit 2 when the input is unusable.
func verifyInputError(what string, err error) error {
	msg := strings.TrimPrefix(err.Error(), verify.ErrMalformed.Error()+": ")
	msg = strings.ReplaceAll(strings.TrimPrefix(msg, "verify: "), "x509: ", "")
	if errors.Is(err, verify.ErrMalformed) {
		return usageError{fmt.Errorf("%s: %s", what, msg)}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// readVerifyFile reads a file of verify ("-" is stdin when stdin is not nil).
func readVerifyFile(stdin io.Reader, path, what string) ([]byte, error) {
	limit := pem.MaxSize
	if what == "CRL" {
		limit = pem.MaxCRLSize
	}
	if path == "-" && stdin != nil {
		return pem.ReadAll(stdin, limit)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
		return nil, usageError{fmt.Errorf("%s %s is not a regular file", what, path)}
	}
	data, err := pem.ReadAll(f, limit)
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", what, path, err)
	}
	return data, nil
}

// strictVerifyResult is what ca verify --roots reports, for text and JSON.
type strictVerifyResult struct {
	File    string          `json:"file"`
	Status  string          `json:"status"`
	Chain   []verify.Link   `json:"chain"`
	Reasons []verify.Reason `json:"reasons"`
}

func newStrictVerifyResult(file string, r *verify.Result) *strictVerifyResult {
	out := &strictVerifyResult{File: file, Status: "good", Chain: r.Chain, Reasons: r.Reasons}
	if !r.Good() {
		out.Status = "bad"
	}
	if out.Chain == nil {
		out.Chain = []verify.Link{}
	}
	if out.Reasons == nil {
		out.Reasons = []verify.Reason{}
	}
	return out
}

func (r *strictVerifyResult) text(w io.Writer) {
	fmt.Fprintf(w, "%s: OK\n", r.File)
	for i, l := range r.Chain {
		fmt.Fprintf(w, "%*s%s (serial %s)\n", 2*i+2, "", printable(l.Subject), l.Serial)
	}
}

func runVerify(ctx context.Context, g *globals, o *verifyOptions, file string) error {
	cert, err := readLeafArg(g.stdin, file)
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

// readLeafArg reads the certificate of FILE, which may hold its chain after
// it (ca.ParseLeafFile).
func readLeafArg(stdin io.Reader, file string) (*x509.Certificate, error) {
	data, err := readVerifyFile(stdin, file, "certificate")
	if err != nil {
		return nil, err
	}
	return ca.ParseCertificateFile(file, data)
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
		fmt.Fprintf(w, "%*s%s (serial %s%s)\n", 2*i+2, "", printable(l.Subject), l.Serial, by)
	}
}
