package main

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
)

func newShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show SERIAL|FILE",
		Short: "Decode a certificate from the store, or a certificate, CSR or CRL file",
		Long: `show prints one certificate of the home by serial (hex, any case, colons
allowed), or decodes a file holding a certificate, a CSR or a CRL in PEM or DER
("-" reads stdin).`,
		Example: `  ca show 3f2a...      # a certificate of the home
  ca show leaf.crt
  ca show -o json crl.pem`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runShow(cmd.Context(), g, args[0]) },
	}
}

func runShow(ctx context.Context, g *globals, arg string) error {
	if arg == "-" || fileExists(arg) {
		v, err := decodeFile(g, arg)
		if err != nil {
			return err
		}
		return g.render(v)
	}
	serial, err := ca.ParseSerial(arg)
	if err != nil {
		return fmt.Errorf("%w: %q is neither a file nor a serial", ca.ErrNotFound, arg)
	}
	st, err := g.h().OpenStoreRead()
	if err != nil {
		return err
	}
	rec, err := st.Certificate(ctx, serial)
	st.Close()
	if err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(rec.DER)
	if err != nil {
		return fmt.Errorf("stored certificate %s: %w", arg, err)
	}
	info := newCertInfo(cert)
	info.IssuerName, info.Profile = rec.Issuer, rec.Profile
	info.Status = recordStatus(rec, g.now())
	if r := rec.Revocation; r != nil {
		info.RevokedAt, info.Reason = &r.RevokedAt, r.Reason.String()
	}
	info.renewalLinks = &renewalLinks{RenewalOf: serialOrNil(rec.RenewalOf), RenewedBy: serialOrNil(rec.RenewedBy)}
	return g.render(info)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// readInput reads a file argument ("-" is stdin) up to limit bytes.
func readInput(g *globals, path string, limit int) ([]byte, error) {
	if path == "-" {
		return pem.ReadAll(g.stdin, limit)
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ca.ErrNotFound, path)
		}
		return nil, err
	}
	defer f.Close()
	data, err := pem.ReadAll(f, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}

// decodeFile reads a certificate, CSR or CRL, PEM or DER.
func decodeFile(g *globals, path string) (texter, error) {
	data, err := readInput(g, path, pem.MaxCRLSize)
	if err != nil {
		return nil, err
	}
	der, blockType, err := pem.Decode(data, pem.MaxCRLSize, pem.TypeCertificate, pem.TypeCSR, "NEW CERTIFICATE REQUEST", pem.TypeCRL)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// The input, not only its DER, is bounded: 1 MiB but for a CRL.
	tooLarge := fmt.Errorf("%s: %w (%d bytes; certificates and CSRs are limited to %d)", path, pem.ErrTooLarge, len(data), pem.MaxSize)
	if len(data) <= pem.MaxSize {
		tooLarge = nil
	}
	if tooLarge != nil && blockType != pem.TypeCRL && blockType != "" {
		return nil, tooLarge
	}
	switch blockType {
	case pem.TypeCertificate:
		return parseCertInfo(path, der)
	case pem.TypeCSR, "NEW CERTIFICATE REQUEST":
		return parseCSRInfo(path, der)
	case pem.TypeCRL:
		return parseCRLInfo(path, der)
	}
	// DER: try each kind.
	if _, err := x509.ParseRevocationList(der); err == nil {
		return parseCRLInfo(path, der)
	}
	if tooLarge != nil {
		return nil, tooLarge
	}
	if c, err := x509.ParseCertificate(der); err == nil {
		return newCertInfo(c), nil
	}
	if _, err := x509.ParseCertificateRequest(der); err == nil {
		return parseCSRInfo(path, der)
	}
	return nil, fmt.Errorf("%w: %s is DER but not a certificate, CSR or CRL", pem.ErrMalformed, path)
}

func parseCertInfo(path string, der []byte) (texter, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", pem.ErrMalformed, path, err)
	}
	return newCertInfo(c), nil
}

// certInfo is a decoded certificate.
type certInfo struct {
	Type               string     `json:"type"`
	Serial             string     `json:"serial"`
	Subject            string     `json:"subject"`
	Issuer             string     `json:"issuer"`
	IssuerName         string     `json:"issuerName,omitempty"`
	Profile            string     `json:"profile,omitempty"`
	Status             string     `json:"status,omitempty"`
	RevokedAt          *time.Time `json:"revokedAt,omitempty"`
	Reason             string     `json:"reason,omitempty"`
	NotBefore          time.Time  `json:"notBefore"`
	NotAfter           time.Time  `json:"notAfter"`
	KeyType            string     `json:"keyType"`
	SignatureAlgorithm string     `json:"signatureAlgorithm"`
	IsCA               bool       `json:"isCA"`
	PathLen            *int       `json:"pathLen,omitempty"`
	KeyUsage           []string   `json:"keyUsage"`
	ExtKeyUsage        []string   `json:"extKeyUsage"`
	SANs               []string   `json:"sans"`
	PermittedDNS       []string   `json:"permittedDNS,omitempty"`
	ExcludedDNS        []string   `json:"excludedDNS,omitempty"`
	PermittedIP        []string   `json:"permittedIP,omitempty"`
	ExcludedIP         []string   `json:"excludedIP,omitempty"`
	PermittedEmail     []string   `json:"permittedEmail,omitempty"`
	CRLDistribution    []string   `json:"crlDistributionPoints,omitempty"`
	SubjectKeyID       string     `json:"subjectKeyId"`
	AuthorityKeyID     string     `json:"authorityKeyId"`
	FingerprintSHA256  string     `json:"fingerprintSha256"`
	// The renewal links of a certificate of the home; absent for a file.
	*renewalLinks
}

func newCertInfo(c *x509.Certificate) *certInfo {
	keyType, err := csr.KeyTypeOf(c.PublicKey)
	if err != nil {
		keyType = c.PublicKeyAlgorithm.String()
	}
	fp := sha256.Sum256(c.Raw)
	info := &certInfo{
		Type: "certificate", Serial: ca.FormatSerial(c.SerialNumber), Subject: c.Subject.String(), Issuer: c.Issuer.String(),
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), KeyType: keyType, SignatureAlgorithm: c.SignatureAlgorithm.String(),
		IsCA: c.IsCA, KeyUsage: keyUsageNames(c.KeyUsage), ExtKeyUsage: extKeyUsageNames(c.ExtKeyUsage), SANs: ca.SANs(c),
		PermittedDNS: c.PermittedDNSDomains, ExcludedDNS: c.ExcludedDNSDomains, PermittedEmail: c.PermittedEmailAddresses,
		CRLDistribution: c.CRLDistributionPoints,
		SubjectKeyID:    hex.EncodeToString(c.SubjectKeyId), AuthorityKeyID: hex.EncodeToString(c.AuthorityKeyId),
		FingerprintSHA256: hex.EncodeToString(fp[:]),
	}
	for _, n := range c.PermittedIPRanges {
		info.PermittedIP = append(info.PermittedIP, n.String())
	}
	for _, n := range c.ExcludedIPRanges {
		info.ExcludedIP = append(info.ExcludedIP, n.String())
	}
	if c.IsCA && (c.MaxPathLen > 0 || c.MaxPathLenZero) {
		n := c.MaxPathLen
		info.PathLen = &n
	}
	return info
}

func (c *certInfo) text(w io.Writer) {
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-20s %s\n", k+":", v)
		}
	}
	line("Certificate", c.Serial)
	line("Subject", printable(c.Subject))
	line("Issuer", printable(c.Issuer))
	line("Issuer name", c.IssuerName)
	line("Profile", c.Profile)
	line("Status", c.Status)
	if c.RevokedAt != nil {
		line("Revoked at", c.RevokedAt.Format(time.RFC3339)+" ("+c.Reason+")")
	}
	line("Not before", c.NotBefore.Format(time.RFC3339))
	line("Not after", c.NotAfter.Format(time.RFC3339))
	line("Key", c.KeyType)
	line("Signature", c.SignatureAlgorithm)
	if c.IsCA {
		pl := "none"
		if c.PathLen != nil {
			pl = fmt.Sprint(*c.PathLen)
		}
		line("CA", "yes, path length "+pl)
	} else {
		line("CA", "no")
	}
	line("Key usage", strings.Join(c.KeyUsage, ", "))
	line("Ext key usage", strings.Join(c.ExtKeyUsage, ", "))
	line("SANs", strings.Join(printables(c.SANs), ", "))
	line("Permitted DNS", strings.Join(c.PermittedDNS, ", "))
	line("Excluded DNS", strings.Join(c.ExcludedDNS, ", "))
	line("Permitted IP", strings.Join(c.PermittedIP, ", "))
	line("Excluded IP", strings.Join(c.ExcludedIP, ", "))
	line("Permitted email", strings.Join(c.PermittedEmail, ", "))
	line("CRL points", strings.Join(c.CRLDistribution, ", "))
	line("Subject key id", c.SubjectKeyID)
	line("Authority key id", c.AuthorityKeyID)
	line("SHA-256", c.FingerprintSHA256)
	if c.renewalLinks != nil {
		line("Renewal of", deref(c.RenewalOf))
		line("Renewed by", deref(c.RenewedBy))
	}
}

func keyUsageNames(ku x509.KeyUsage) []string {
	names := []string{"digitalSignature", "contentCommitment", "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"}
	out := []string{}
	for i, n := range names {
		if ku&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

func extKeyUsageNames(ekus []x509.ExtKeyUsage) []string {
	names := map[x509.ExtKeyUsage]string{
		x509.ExtKeyUsageAny: "any", x509.ExtKeyUsageServerAuth: "serverAuth", x509.ExtKeyUsageClientAuth: "clientAuth",
		x509.ExtKeyUsageCodeSigning: "codeSigning", x509.ExtKeyUsageEmailProtection: "emailProtection",
		x509.ExtKeyUsageTimeStamping: "timeStamping", x509.ExtKeyUsageOCSPSigning: "OCSPSigning",
	}
	out := []string{}
	for _, e := range ekus {
		if n, ok := names[e]; ok {
			out = append(out, n)
		} else {
			out = append(out, fmt.Sprintf("eku(%d)", e))
		}
	}
	return out
}

// csrInfo is a decoded CSR.
type csrInfo struct {
	Type               string          `json:"type"`
	Subject            string          `json:"subject"`
	KeyType            string          `json:"keyType"`
	SignatureAlgorithm string          `json:"signatureAlgorithm"`
	SignatureValid     bool            `json:"signatureValid"`
	SignatureError     string          `json:"signatureError,omitempty"`
	SANs               []string        `json:"sans"`
	Extensions         []extensionInfo `json:"extensions"`
}

type extensionInfo struct {
	OID      string `json:"oid"`
	Critical bool   `json:"critical"`
}

func parseCSRInfo(path string, der []byte) (texter, error) {
	c, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", pem.ErrMalformed, path, err)
	}
	keyType, err := csr.KeyTypeOf(c.PublicKey)
	if err != nil {
		keyType = c.PublicKeyAlgorithm.String()
	}
	info := &csrInfo{Type: "csr", Subject: c.Subject.String(), KeyType: keyType, SignatureAlgorithm: c.SignatureAlgorithm.String(), Extensions: []extensionInfo{}}
	if _, err := csr.ParseDER(der); err != nil {
		info.SignatureError = err.Error()
	} else {
		info.SignatureValid = true
	}
	info.SANs = ca.SANs(&x509.Certificate{DNSNames: c.DNSNames, IPAddresses: c.IPAddresses, EmailAddresses: c.EmailAddresses, URIs: c.URIs})
	for _, e := range c.Extensions {
		info.Extensions = append(info.Extensions, extensionInfo{OID: e.Id.String(), Critical: e.Critical})
	}
	return info, nil
}

func (c *csrInfo) text(w io.Writer) {
	fmt.Fprintf(w, "%-20s %s\n%-20s %s\n%-20s %s\n", "Request:", printable(c.Subject), "Key:", c.KeyType, "Signature:", c.SignatureAlgorithm)
	if c.SignatureValid {
		fmt.Fprintf(w, "%-20s %s\n", "Self-signature:", "good")
	} else {
		fmt.Fprintf(w, "%-20s %s\n", "Self-signature:", "REFUSED: "+c.SignatureError)
	}
	if len(c.SANs) > 0 {
		fmt.Fprintf(w, "%-20s %s\n", "SANs:", strings.Join(printables(c.SANs), ", "))
	}
	for _, e := range c.Extensions {
		crit := ""
		if e.Critical {
			crit = " (critical)"
		}
		fmt.Fprintf(w, "%-20s %s%s\n", "Extension:", e.OID, crit)
	}
}

// crlInfo is a decoded CRL.
type crlInfo struct {
	Type               string         `json:"type"`
	Issuer             string         `json:"issuer"`
	Number             string         `json:"number"`
	ThisUpdate         time.Time      `json:"thisUpdate"`
	NextUpdate         time.Time      `json:"nextUpdate"`
	SignatureAlgorithm string         `json:"signatureAlgorithm"`
	AuthorityKeyID     string         `json:"authorityKeyId"`
	Entries            []crlEntryInfo `json:"entries"`
}

type crlEntryInfo struct {
	Serial    string    `json:"serial"`
	RevokedAt time.Time `json:"revokedAt"`
	Reason    string    `json:"reason"`
}

func parseCRLInfo(path string, der []byte) (texter, error) {
	c, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", pem.ErrMalformed, path, err)
	}
	info := &crlInfo{
		Type: "crl", Issuer: c.Issuer.String(), ThisUpdate: c.ThisUpdate.UTC(), NextUpdate: c.NextUpdate.UTC(),
		SignatureAlgorithm: c.SignatureAlgorithm.String(), AuthorityKeyID: hex.EncodeToString(c.AuthorityKeyId),
		Entries: make([]crlEntryInfo, 0, len(c.RevokedCertificateEntries)),
	}
	if c.Number != nil {
		info.Number = c.Number.String()
	}
	for _, e := range c.RevokedCertificateEntries {
		info.Entries = append(info.Entries, crlEntryInfo{Serial: ca.FormatSerial(e.SerialNumber), RevokedAt: e.RevocationTime.UTC(), Reason: ca.Reason(e.ReasonCode).String()})
	}
	return info, nil
}

func (c *crlInfo) text(w io.Writer) {
	fmt.Fprintf(w, "%-20s %s\n%-20s %s\n%-20s %s\n%-20s %s\n%-20s %s\n%-20s %d\n",
		"CRL issuer:", printable(c.Issuer), "Number:", c.Number, "This update:", c.ThisUpdate.Format(time.RFC3339),
		"Next update:", c.NextUpdate.Format(time.RFC3339), "Signature:", c.SignatureAlgorithm, "Entries:", len(c.Entries))
	for _, e := range c.Entries {
		fmt.Fprintf(w, "  %s  %s  %s\n", e.Serial, e.RevokedAt.Format(time.RFC3339), e.Reason)
	}
}

// recordStatus is valid, revoked or expired.
func recordStatus(rec *ca.CertRecord, now time.Time) string {
	switch {
	case rec.Revocation != nil:
		return "revoked"
	case now.After(rec.NotAfter):
		return "expired"
	}
	return "valid"
}
