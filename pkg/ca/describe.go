package ca

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"

	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// CertificateInfo is what "ca show" says about a certificate, for people
// and as JSON (docs/json.md); the fields of its record (IssuerName to
// Reason) are set only for a certificate of the store.
type CertificateInfo struct {
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
	// Chain is the rest of a file that held the certificate followed by
	// its chain (ParseLeafFile): each certificate after it, in file order.
	Chain []ChainLink `json:"chain,omitempty"`
	// RenewalLinks are set for a certificate of the home (DescribeRecord),
	// absent for a file.
	*RenewalLinks
}

// RenewalLinks are a stored certificate's renewal links: the serial it
// renews and the serial that renewed it, each null when none.
type RenewalLinks struct {
	RenewalOf *string `json:"renewalOf"`
	RenewedBy *string `json:"renewedBy"`
}

// serialOrNil formats s, or returns nil (JSON null) for none.
func serialOrNil(s *big.Int) *string {
	if s == nil {
		return nil
	}
	v := FormatSerial(s)
	return &v
}

// RequestInfo is what "ca show" says about a CSR: SignatureError is why
// csr.ParseDER refuses it (its self-signature, or its form).
type RequestInfo struct {
	Type               string          `json:"type"`
	Subject            string          `json:"subject"`
	KeyType            string          `json:"keyType"`
	SignatureAlgorithm string          `json:"signatureAlgorithm"`
	SignatureValid     bool            `json:"signatureValid"`
	SignatureError     string          `json:"signatureError,omitempty"`
	SANs               []string        `json:"sans"`
	Extensions         []ExtensionInfo `json:"extensions"`
}

// ExtensionInfo is one extension a CSR asks for: Name is
// csr.ExtensionName's ("" for an extension nobody knows).
type ExtensionInfo struct {
	OID      string `json:"oid"`
	Name     string `json:"name"`
	Critical bool   `json:"critical"`
}

// CRLInfo is what "ca show" says about a CRL.
type CRLInfo struct {
	Type               string         `json:"type"`
	Issuer             string         `json:"issuer"`
	Number             string         `json:"number"`
	ThisUpdate         time.Time      `json:"thisUpdate"`
	NextUpdate         time.Time      `json:"nextUpdate"`
	SignatureAlgorithm string         `json:"signatureAlgorithm"`
	AuthorityKeyID     string         `json:"authorityKeyId"`
	Entries            []CRLEntryInfo `json:"entries"`
}

// CRLEntryInfo is one revoked certificate of a CRL.
type CRLEntryInfo struct {
	Serial    string    `json:"serial"`
	RevokedAt time.Time `json:"revokedAt"`
	Reason    string    `json:"reason"`
}

// Describe decodes data, a certificate, a CSR or a CRL in PEM or DER, into
// a *CertificateInfo, *RequestInfo or *CRLInfo; name (a file name) is for
// messages. Input is bounded at pem.MaxSize, but for a CRL at
// pem.MaxCRLSize. Errors wrap pem.ErrMalformed (not one of the three, or
// one that does not parse) or pem.ErrTooLarge.
func Describe(name string, data []byte) (any, error) {
	if pemBlocks(data) > 1 && firstBlockType(data) == pem.TypeCertificate {
		return describeChain(name, data)
	}
	der, blockType, err := pem.Decode(data, pem.MaxCRLSize, pem.TypeCertificate, pem.TypeCSR, "NEW CERTIFICATE REQUEST", pem.TypeCRL)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	// The input, not only its DER, is bounded: 1 MiB but for a CRL.
	tooLarge := fmt.Errorf("%s: %w (%d bytes; certificates and CSRs are limited to %d)", name, pem.ErrTooLarge, len(data), pem.MaxSize)
	if len(data) <= pem.MaxSize {
		tooLarge = nil
	}
	if tooLarge != nil && blockType != pem.TypeCRL && blockType != "" {
		return nil, tooLarge
	}
	switch blockType {
	case pem.TypeCertificate:
		return describeCertificateDER(name, der)
	case pem.TypeCSR, "NEW CERTIFICATE REQUEST":
		return describeRequestDER(name, der)
	case pem.TypeCRL:
		return describeCRLDER(name, der)
	}
	return describeDER(name, der, tooLarge)
}

// describeDER tries each kind on DER input; tooLarge, when not nil,
// refuses anything but a CRL.
func describeDER(name string, der []byte, tooLarge error) (any, error) {
	if _, err := x509.ParseRevocationList(der); err == nil {
		return describeCRLDER(name, der)
	}
	if tooLarge != nil {
		return nil, tooLarge
	}
	if c, err := x509.ParseCertificate(der); err == nil {
		return DescribeCertificate(c), nil
	}
	if _, err := x509.ParseCertificateRequest(der); err == nil {
		return describeRequestDER(name, der)
	}
	return nil, fmt.Errorf("%w: %s is DER but not a certificate, CSR or CRL", pem.ErrMalformed, name)
}

// describeChain describes a file holding a certificate and its chain.
func describeChain(name string, data []byte) (any, error) {
	certs, err := ParseLeafFile(name, data)
	if err != nil {
		return nil, err
	}
	info := DescribeCertificate(certs[0])
	for _, c := range certs[1:] {
		info.Chain = append(info.Chain, ChainLink{Serial: FormatSerial(c.SerialNumber), Subject: c.Subject.String()})
	}
	return info, nil
}

func describeCertificateDER(name string, der []byte) (any, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", pem.ErrMalformed, name, err)
	}
	return DescribeCertificate(c), nil
}

// DescribeRecord describes a certificate of the store with what its record
// adds: the issuer's name, the profile, its status at now and its
// revocation.
func DescribeRecord(rec *CertRecord, now time.Time) (*CertificateInfo, error) {
	cert, err := x509.ParseCertificate(rec.DER)
	if err != nil {
		return nil, fmt.Errorf("%w: certificate %s: its stored DER does not parse (%v); %s", ErrDamaged, FormatSerial(rec.Serial), err, RestoreHint)
	}
	info := DescribeCertificate(cert)
	info.IssuerName, info.Profile = rec.Issuer, rec.Profile
	info.Status = rec.Status(now)
	if r := rec.Revocation; r != nil {
		info.RevokedAt, info.Reason = &r.RevokedAt, r.Reason.String()
	}
	info.RenewalLinks = &RenewalLinks{RenewalOf: serialOrNil(rec.RenewalOf), RenewedBy: serialOrNil(rec.RenewedBy)}
	return info, nil
}

// DescribeCertificate describes c.
func DescribeCertificate(c *x509.Certificate) *CertificateInfo {
	fp := sha256.Sum256(c.Raw)
	info := &CertificateInfo{
		Type: "certificate", Serial: FormatSerial(c.SerialNumber), Subject: c.Subject.String(), Issuer: c.Issuer.String(),
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), KeyType: keyTypeName(c.PublicKey, c.PublicKeyAlgorithm),
		SignatureAlgorithm: c.SignatureAlgorithm.String(),
		IsCA:               c.IsCA, KeyUsage: keyUsageNames(c.KeyUsage), ExtKeyUsage: extKeyUsageNames(c.ExtKeyUsage), SANs: SANs(c),
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

// keyTypeName is csr.KeyTypeOf's name of pub, else the algorithm's.
func keyTypeName(pub any, alg x509.PublicKeyAlgorithm) string {
	keyType, err := csr.KeyTypeOf(pub)
	if err != nil {
		return alg.String()
	}
	return keyType
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

func describeRequestDER(name string, der []byte) (any, error) {
	c, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", pem.ErrMalformed, name, err)
	}
	info := &RequestInfo{Type: "csr", Subject: c.Subject.String(), KeyType: keyTypeName(c.PublicKey, c.PublicKeyAlgorithm),
		SignatureAlgorithm: c.SignatureAlgorithm.String(), Extensions: []ExtensionInfo{}}
	if _, err := csr.ParseDER(der); err != nil {
		info.SignatureError = err.Error()
	} else {
		info.SignatureValid = true
	}
	info.SANs = SANs(&x509.Certificate{DNSNames: c.DNSNames, IPAddresses: c.IPAddresses, EmailAddresses: c.EmailAddresses, URIs: c.URIs})
	for _, e := range c.Extensions {
		info.Extensions = append(info.Extensions, ExtensionInfo{OID: e.Id.String(), Name: csr.ExtensionName(e.Id), Critical: e.Critical})
	}
	return info, nil
}

func describeCRLDER(name string, der []byte) (any, error) {
	c, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", pem.ErrMalformed, name, err)
	}
	info := &CRLInfo{
		Type: "crl", Issuer: c.Issuer.String(), ThisUpdate: c.ThisUpdate.UTC(), NextUpdate: c.NextUpdate.UTC(),
		SignatureAlgorithm: c.SignatureAlgorithm.String(), AuthorityKeyID: hex.EncodeToString(c.AuthorityKeyId),
		Entries: make([]CRLEntryInfo, 0, len(c.RevokedCertificateEntries)),
	}
	if c.Number != nil {
		info.Number = c.Number.String()
	}
	for _, e := range c.RevokedCertificateEntries {
		info.Entries = append(info.Entries, CRLEntryInfo{Serial: FormatSerial(e.SerialNumber), RevokedAt: e.RevocationTime.UTC(), Reason: Reason(e.ReasonCode).String()})
	}
	return info, nil
}
