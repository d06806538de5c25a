package home

import (
	"fmt"
	"io"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// CreatedReport is what "ca init" (c.Parent "") and "ca intermediate
// create" report about c, created from req: a *RootReport, an
// *IntermediateReport, or a *TokenCAReport when its key is on a token.
func (h *Home) CreatedReport(req NewCA, c *Created) TextReport {
	root := RootReport{Home: h.Dir(), Issuer: req.Name, Serial: ca.FormatSerial(c.Cert.SerialNumber), Subject: c.Cert.Subject.String(),
		NotAfter: c.Cert.NotAfter.UTC(), KeyType: string(req.KeyType), Encrypted: c.Encrypted, Cert: h.IssuerFile(req.Name, FileCert)}
	switch {
	case c.Token != nil:
		root.KeyType, root.Encrypted = string(c.Token.Type), false
		return &TokenCAReport{RootReport: root, Parent: c.Parent, KeyURI: c.Token.URI, KeyCreated: c.Token.Created}
	case c.Parent == "":
		return &root
	}
	return &IntermediateReport{Issuer: req.Name, Parent: c.Parent, Serial: root.Serial, Subject: root.Subject, NotAfter: root.NotAfter,
		PathLen: req.Template.MaxPathLen, KeyType: root.KeyType, Encrypted: c.Encrypted, Chain: h.IssuerFile(req.Name, FileChain)}
}

// RootReport is what "ca init" reports.
type RootReport struct {
	Home      string    `json:"home"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"`
	Subject   string    `json:"subject"`
	NotAfter  time.Time `json:"notAfter"`
	KeyType   string    `json:"keyType"`
	Encrypted bool      `json:"encrypted"`
	Cert      string    `json:"cert"`
}

// WriteText writes the report for people.
func (r *RootReport) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "created home %s with root %q (%s)\n  subject  %s\n  serial   %s\n  notAfter %s\n  key      %s%s\n  trust    %s\n",
		r.Home, r.Issuer, r.KeyType, r.Subject, r.Serial, r.NotAfter.Format(time.RFC3339), r.KeyType, encryptedText(r.Encrypted), r.Cert)
	return err
}

// IntermediateReport is what "ca intermediate create" reports.
type IntermediateReport struct {
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

// WriteText writes the report for people.
func (r *IntermediateReport) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "created intermediate %q signed by %q\n  subject  %s\n  serial   %s\n  notAfter %s\n  key      %s%s\n  chain    %s\n",
		r.Issuer, r.Parent, r.Subject, r.Serial, r.NotAfter.Format(time.RFC3339), r.KeyType, encryptedText(r.Encrypted), r.Chain)
	return err
}

// encryptedText says whether a new key was written encrypted, after its
// type in the reports of init and intermediate create.
func encryptedText(encrypted bool) string {
	if encrypted {
		return ", encrypted"
	}
	return ", not encrypted (--no-passphrase)"
}

// TokenCAReport is what init and intermediate create report for a CA
// whose key is on a token.
type TokenCAReport struct {
	RootReport
	Parent     string `json:"parent,omitempty"`
	KeyURI     string `json:"keyURI"`
	KeyCreated bool   `json:"keyCreated"`
}

// WriteText writes the report for people.
func (r *TokenCAReport) WriteText(w io.Writer) error {
	what := fmt.Sprintf("created home %s with root %q", r.Home, r.Issuer)
	if r.Parent != "" {
		what = fmt.Sprintf("created intermediate %q signed by %q", r.Issuer, r.Parent)
	}
	made := map[bool]string{true: "made on the token", false: "found on the token"}[r.KeyCreated]
	_, err := fmt.Fprintf(w, "%s (%s)\n  subject  %s\n  serial   %s\n  notAfter %s\n  key      %s, %s\n  key uri  %s\n  cert     %s\n",
		what, r.KeyType, r.Subject, r.Serial, r.NotAfter.Format(time.RFC3339), r.KeyType, made, r.KeyURI, r.Cert)
	return err
}
