package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// certFileLimit is the largest certificate file read (SPEC.md, "Policy").
const certFileLimit = 1 << 20

type revokeOptions struct {
	certs      []string
	reason     string
	invalidity string
}

func newRevokeCmd(g *globals) *cobra.Command {
	o := &revokeOptions{}
	cmd := &cobra.Command{
		Use:   "revoke SERIAL... | --cert FILE",
		Short: "Revoke certificates of the home",
		Long: `revoke marks certificates of the home as revoked, all in one store
transaction: when any serial is unknown (exit 4) or already revoked (exit 5),
none is revoked. Serials are hex, either case, with or without colons or
leading zeros. --cert names certificate files instead (PEM or DER); the file
must be the certificate the home recorded under its serial.

A revocation counts at once for what reads the store: "ca verify" fails
for the certificate, and within a second a running "ca serve" refuses it
and a running "ca publish" answers "revoked" to OCSP (its CRLs follow with
--crl-refresh).
CRL files list it only from the issuer's next "ca crl export"; revoking an
intermediate puts it on its parent's CRL. A reason of unspecified (the
default) adds no reason code to the CRL entry (RFC 5280, 5.3.1).

Reasons: ` + strings.Join(ca.ReasonNames(), ", ") + `.`,
		Example: `  ca revoke 3f:2a:91...
  ca revoke --reason keyCompromise --invalidity-date 2026-01-02T03:04:05Z 3F2A91... 0b77...
  ca revoke --cert web.crt --reason superseded`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && len(o.certs) == 0 {
				return usageError{errors.New("name the certificates to revoke: SERIAL... or --cert FILE")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runRevoke(cmd.Context(), g, o, args) },
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.certs, "cert", nil, "a certificate file (PEM or DER; - is stdin) to revoke (repeatable)")
	f.StringVar(&o.reason, "reason", "unspecified", "RFC 5280 reason: "+strings.Join(ca.ReasonNames(), ", "))
	f.StringVar(&o.invalidity, "invalidity-date", "", "when the key is known or suspected to have been compromised (RFC 3339)")
	return cmd
}

func runRevoke(ctx context.Context, g *globals, o *revokeOptions, args []string) error {
	reason, err := ca.ParseReason(o.reason)
	if err != nil {
		return err
	}
	var invalidity time.Time
	if o.invalidity != "" {
		if invalidity, err = time.Parse(time.RFC3339, o.invalidity); err != nil {
			return usageError{fmt.Errorf("--invalidity-date %q: use RFC 3339, like 2026-01-02T15:04:05Z", o.invalidity)}
		}
	}
	serials := make([]*big.Int, 0, len(args)+len(o.certs))
	for _, a := range args {
		s, err := ca.ParseSerial(a)
		if err != nil {
			return err
		}
		serials = append(serials, s)
	}
	files, err := readCertArgs(g.stdin, o.certs)
	if err != nil {
		return err
	}
	revs, err := g.h().Revoke(ctx, serials, files, reason, invalidity)
	if err != nil {
		return err
	}
	return g.render(newRevokeResult(revs))
}

// readCertArgs reads and parses certificate files (PEM or DER).
func readCertArgs(stdin io.Reader, paths []string) ([]*x509.Certificate, error) {
	out := make([]*x509.Certificate, 0, len(paths))
	for _, p := range paths {
		c, err := readCertArg(stdin, p)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// readCertArg reads one certificate file in PEM or DER; "-" is stdin.
func readCertArg(stdin io.Reader, path string) (*x509.Certificate, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("read certificate: %w", err)
		}
		defer f.Close()
		r = f
	}
	data, err := pem.ReadAll(r, certFileLimit)
	if err != nil {
		return nil, fmt.Errorf("read certificate %s: %w", path, err)
	}
	return ca.ParseCertificateFile(path, data)
}

// revokeRow is one revoked certificate, for text and JSON.
type revokeRow struct {
	Serial         string     `json:"serial"`
	Issuer         string     `json:"issuer"`
	RevokedAt      time.Time  `json:"revokedAt"`
	Reason         string     `json:"reason"`
	InvalidityDate *time.Time `json:"invalidityDate"`
}

type revokeResult []revokeRow

func newRevokeResult(revs []ca.Revocation) revokeResult {
	out := make(revokeResult, len(revs))
	for i, r := range revs {
		out[i] = revokeRow{Serial: ca.FormatSerial(r.Serial), Issuer: r.Issuer, RevokedAt: r.RevokedAt.UTC(), Reason: r.Reason.String()}
		if !r.InvalidityDate.IsZero() {
			t := r.InvalidityDate.UTC()
			out[i].InvalidityDate = &t
		}
	}
	return out
}

func (r revokeResult) text(w io.Writer) {
	for _, row := range r {
		fmt.Fprintf(w, "revoked %s (issuer %s, reason %s) at %s\n", row.Serial, row.Issuer, row.Reason, row.RevokedAt.Format(time.RFC3339))
	}
	if len(r) > 0 {
		fmt.Fprintln(w, `in effect now for "ca verify", and within a second for a running "ca serve" and "ca publish" (OCSP); CRL files list it from the next "ca crl export"`)
	}
}
