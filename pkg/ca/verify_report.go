package ca

import (
	"fmt"
	"io"
	"strings"
)

// VerifyReport is what "ca verify" reports about a certificate file
// against the home, for text and JSON (docs/json.md).
type VerifyReport struct {
	File       string            `json:"file"`
	Status     string            `json:"status"`
	Detail     string            `json:"detail"`
	Chain      []ChainLink       `json:"chain"`
	Revocation *RevocationReport `json:"revocation"`
	// RevokedOnCRL names the CRL that lists the certificate when the store
	// has lost its revocation record (null otherwise).
	RevokedOnCRL *CRLRef `json:"revokedOnCRL"`
}

// CRLRef names one CRL of the home: its issuer and number.
type CRLRef struct {
	Issuer string `json:"issuer"`
	Number uint64 `json:"number"`
}

// Report is v as reported for the certificate file called file: an empty
// chain (JSON []) when none was found.
func (v *Verification) Report(file string) *VerifyReport {
	r := &VerifyReport{File: file, Status: v.Status, Detail: v.Detail, Chain: v.Chain}
	if r.Chain == nil {
		r.Chain = []ChainLink{}
	}
	if v.Revoked != nil {
		rev := v.Revoked.Report()
		r.Revocation = &rev
	}
	if on := v.RevokedOn; on != nil {
		r.RevokedOnCRL = &CRLRef{Issuer: on.Issuer, Number: on.CRLNumber.Uint64()}
	}
	return r
}

// WriteText writes "FILE: OK" and the chain, one certificate a line,
// indented by its depth. It is for a good certificate: the status of
// another one is an error's to tell.
func (r *VerifyReport) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: OK\n", r.File)
	for i, l := range r.Chain {
		by := ""
		if l.Issuer != "" {
			by = ", issued by " + l.Issuer
		}
		fmt.Fprintf(&b, "%*s%s (serial %s%s)\n", 2*i+2, "", Printable(l.Subject), l.Serial, by)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
