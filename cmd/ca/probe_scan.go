package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/tlsendpoint"
)

// runProbeScan is "ca probe --scan": what the server accepts.
func runProbeScan(ctx context.Context, g *globals, o *home.ProbeFlags) error {
	res, err := home.Scan(ctx, *o)
	if err != nil {
		return err
	}
	if err := g.render(scanReport{res}); err != nil {
		return err
	}
	if len(res.Versions) == 0 {
		return &exitError{code: exitVerify, msg: fmt.Sprintf("scan %s: the server accepted no handshake (%s)", res.Address, ca.Printable(res.Error))}
	}
	return nil
}

// scanReport is what probe --scan prints: the library's ScanResult, as is
// in JSON.
type scanReport struct{ *tlsendpoint.ScanResult }

func (r scanReport) text(w io.Writer) {
	fmt.Fprintf(w, "scan %s (server name %s): %d handshakes\n", r.Address, ca.Printable(r.ServerName), r.Handshakes)
	fmt.Fprintf(w, "  versions     %s\n", orNone(r.Versions))
	fmt.Fprintf(w, "  groups       %s\n", orNone(r.Groups))
	if r.PublicKey != "" {
		fmt.Fprintf(w, "  certificate  %s key, signed with %s\n", r.PublicKey, r.CertificateSignature)
	}
	if r.HandshakeSignature != "" {
		fmt.Fprintf(w, "  handshake    %s (TLS 1.2 ServerKeyExchange)\n", r.HandshakeSignature)
	}
	if len(r.Suites) == 0 {
		return
	}
	rows := [][]string{}
	for _, s := range r.Suites {
		rows = append(rows, []string{s.Name, s.ID, strings.Join(s.Versions, ", "), yesNo(s.Insecure)})
	}
	if err := table(w, []string{"cipher suite", "id", "versions", "insecure"}, rows); err != nil {
		fmt.Fprintln(w, errors.Unwrap(err))
	}
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
