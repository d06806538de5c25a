package home

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// CrossSignRequest is "ca cross-sign" as given, before it is checked.
type CrossSignRequest struct {
	Cert    string // the other CA's certificate file, read by the caller
	Issuer  string // "": the default issuer
	PathLen int    // -1: none; 0 or more: that length
	// OwnPathLen ignores PathLen (not given): the cross certificate has
	// the certificate's own path length (ca.PathLenOfCert).
	OwnPathLen bool
	Validity   string // a duration; "": until the certificate's or the issuer's notAfter
	Out        string // the file of the cross certificate; never "-"
	Constraints
}

// CheckCrossSign checks r into the options of CrossSign (Check), then the
// file it will write (CheckOut), before the other CA's certificate is read.
func (h *Home) CheckCrossSign(r CrossSignRequest) (CrossSignOptions, error) {
	o, err := r.options()
	if err != nil {
		return o, err
	}
	return o, h.CheckOut("--out", r.Out, pem.KindCertificate)
}

// Check checks what needs no home, as CheckCrossSign does first: the path
// length, the name constraints, the validity and that Out is a file. Bad
// input is ca.ErrUsage (or csr.ErrBadDuration).
func (r CrossSignRequest) Check() error {
	_, err := r.options()
	return err
}

// options is Check, and the options of CrossSign.
func (r CrossSignRequest) options() (CrossSignOptions, error) {
	o := CrossSignOptions{Issuer: r.Issuer, Out: r.Out, Config: ca.Template{MaxPathLen: r.PathLen}}
	switch {
	case r.OwnPathLen:
		o.Config.MaxPathLen = ca.PathLenOfCert
	case r.PathLen < -1: // ca.PathLenOfCert too: it is not a length to give
		return CrossSignOptions{}, usageErr{fmt.Errorf("--path-len %d: give 0 or more, or -1 for none", r.PathLen)}
	}
	if err := r.Constraints.apply(&o.Config); err != nil {
		return o, err
	}
	var err error
	if o.Config.Validity, err = DurationFlag("validity", r.Validity); err != nil {
		return o, err
	}
	if r.Out == "-" {
		return o, usageErr{errors.New("--out -: cross-sign writes a file; name one")}
	}
	return o, nil
}

// CrossSignReport is what "ca cross-sign" reports.
type CrossSignReport struct {
	Serial   string    `json:"serial"`
	Issuer   string    `json:"issuer"`
	Subject  string    `json:"subject"`
	NotAfter time.Time `json:"notAfter"`
	PathLen  *int      `json:"pathLen"` // nil: no constraint
	File     string    `json:"file"`
}

// NewCrossSignReport describes the cross certificate issued, written to
// file.
func NewCrossSignReport(issued *ca.Issued, file string) *CrossSignReport {
	c := issued.Cert
	r := &CrossSignReport{Serial: ca.FormatSerial(c.SerialNumber), Issuer: issued.Record.Issuer, Subject: c.Subject.String(),
		NotAfter: c.NotAfter.UTC(), File: file}
	if c.MaxPathLen > 0 || c.MaxPathLenZero {
		r.PathLen = &c.MaxPathLen
	}
	return r
}

// WriteText writes the report for people.
func (r *CrossSignReport) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "cross-signed %s with issuer %q\n  serial   %s\n  notAfter %s\n  wrote    %s\n",
		ca.Printable(r.Subject), r.Issuer, r.Serial, r.NotAfter.Format(time.RFC3339), r.File)
	return err
}
