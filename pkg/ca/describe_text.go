package ca

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// The text forms of what "ca show" says: one "Label:  value" line for each
// field that is set, labels padded to 20 columns. Text taken from a
// certificate goes through Printable.

// oidSAN is the subjectAltName extension's OID, which a CSR's text lists
// as SANs.
const oidSAN = "2.5.29.17"

// WriteText writes c for people: its fields, its renewal links and the
// chain that followed it in its file.
func (c *CertificateInfo) WriteText(w io.Writer) error {
	var b strings.Builder
	revoked, isCA, join := "", "no", func(l []string) string { return strings.Join(l, ", ") }
	if c.RevokedAt != nil {
		revoked = c.RevokedAt.Format(time.RFC3339) + " (" + c.Reason + ")"
	}
	if c.IsCA && c.PathLen != nil {
		isCA = fmt.Sprint("yes, path length ", *c.PathLen)
	} else if c.IsCA {
		isCA = "yes, path length none"
	}
	for _, l := range [][2]string{{"Certificate", c.Serial}, {"Subject", Printable(c.Subject)}, {"Issuer", Printable(c.Issuer)},
		{"Issuer name", c.IssuerName}, {"Profile", c.Profile}, {"Status", c.Status}, {"Revoked at", revoked},
		{"Not before", c.NotBefore.Format(time.RFC3339)}, {"Not after", c.NotAfter.Format(time.RFC3339)},
		{"Key", c.KeyType}, {"Signature", c.SignatureAlgorithm}, {"CA", isCA},
		{"Key usage", join(c.KeyUsage)}, {"Ext key usage", join(c.ExtKeyUsage)}, {"SANs", join(printables(c.SANs))},
		{"Permitted DNS", join(c.PermittedDNS)}, {"Excluded DNS", join(c.ExcludedDNS)},
		{"Permitted IP", join(c.PermittedIP)}, {"Excluded IP", join(c.ExcludedIP)},
		{"Permitted email", join(c.PermittedEmail)}, {"CRL points", join(c.CRLDistribution)},
		{"Subject key id", c.SubjectKeyID}, {"Authority key id", c.AuthorityKeyID}, {"SHA-256", c.FingerprintSHA256}} {
		if l[1] != "" {
			fmt.Fprintf(&b, "%-20s %s\n", l[0]+":", l[1])
		}
	}
	if r := c.RenewalLinks; r != nil {
		for _, l := range []struct {
			name   string
			serial *string
		}{{"Renewal of", r.RenewalOf}, {"Renewed by", r.RenewedBy}} {
			if l.serial != nil {
				fmt.Fprintf(&b, "%-20s %s\n", l.name+":", *l.serial)
			}
		}
	}
	for i, l := range c.Chain {
		fmt.Fprintf(&b, "%-20s %s (serial %s)\n", fmt.Sprintf("Chain %d:", i+1), Printable(l.Subject), l.Serial)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteText writes r for people: subject, key, signature, whether its
// self-signature is good, its SANs and the other extensions it asks for.
func (r *RequestInfo) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-20s %s\n%-20s %s\n%-20s %s\n", "Request:", Printable(r.Subject), "Key:", r.KeyType, "Signature:", r.SignatureAlgorithm)
	if r.SignatureValid {
		fmt.Fprintf(&b, "%-20s %s\n", "Self-signature:", "good")
	} else {
		fmt.Fprintf(&b, "%-20s %s\n", "Self-signature:", "REFUSED: "+r.SignatureError)
	}
	if len(r.SANs) > 0 {
		fmt.Fprintf(&b, "%-20s %s\n", "SANs:", strings.Join(printables(r.SANs), ", "))
	}
	for _, e := range r.Extensions {
		if e.OID == oidSAN && len(r.SANs) > 0 {
			continue // shown above as SANs
		}
		label := e.OID + " (unknown extension)"
		if e.Name != "" {
			label = e.Name + " (" + e.OID + ")"
		}
		if e.Critical {
			label += ", critical"
		}
		fmt.Fprintf(&b, "%-20s %s\n", "Extension:", label)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteText writes l for people: its fields, then one line for each entry.
func (l *CRLInfo) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-20s %s\n%-20s %s\n%-20s %s\n%-20s %s\n%-20s %s\n%-20s %d\n",
		"CRL issuer:", Printable(l.Issuer), "Number:", l.Number, "This update:", l.ThisUpdate.Format(time.RFC3339),
		"Next update:", l.NextUpdate.Format(time.RFC3339), "Signature:", l.SignatureAlgorithm, "Entries:", len(l.Entries))
	for _, e := range l.Entries {
		fmt.Fprintf(&b, "  %s  %s  %s\n", e.Serial, e.RevokedAt.Format(time.RFC3339), e.Reason)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// printables is Printable of each of list.
func printables(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = Printable(s)
	}
	return out
}
