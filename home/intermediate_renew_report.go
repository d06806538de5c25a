package home

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// IntermediateRenewReport is what "ca intermediate renew" reports.
type IntermediateRenewReport struct {
	Issuer   string    `json:"issuer"`
	Parent   string    `json:"parent"`
	Old      string    `json:"old"`
	Serial   string    `json:"serial"`
	Subject  string    `json:"subject"`
	NotAfter time.Time `json:"notAfter"`
	Files    []string  `json:"files"`
	Finished bool      `json:"finished"` // an interrupted renewal's files were put in place; nothing was signed
}

// Report describes the renewal.
func (r *IntermediateRenewal) Report() *IntermediateRenewReport {
	c, files := r.Issued.Cert, r.Files
	if files == nil {
		files = []string{}
	}
	return &IntermediateRenewReport{Issuer: r.Name, Parent: r.Parent, Old: ca.FormatSerial(r.Old.SerialNumber), Serial: ca.FormatSerial(c.SerialNumber),
		Subject: c.Subject.String(), NotAfter: c.NotAfter.UTC(), Files: files, Finished: r.Finished}
}

// WriteText writes the report for people.
func (r *IntermediateRenewReport) WriteText(w io.Writer) error {
	verb := "renewed intermediate"
	if r.Finished {
		verb = "finished the interrupted renewal of intermediate"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %q, signed by %q\n  subject  %s\n  serial   %s (was %s)\n  notAfter %s\n",
		verb, r.Issuer, r.Parent, ca.Printable(r.Subject), r.Serial, r.Old, r.NotAfter.Format(time.RFC3339))
	for _, f := range r.Files {
		fmt.Fprintf(&b, "  wrote    %s\n", f)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
