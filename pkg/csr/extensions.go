package csr

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Extensions a request may carry (RFC 5280, 4.2.1).
var (
	oidExtSAN              = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidExtBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidExtKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtExtKeyUsage      = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidExtSubjectKeyID     = asn1.ObjectIdentifier{2, 5, 29, 14}
)

// extensionNames names the extensions a refusal may meet.
var extensionNames = map[string]string{
	"2.5.29.9":                "subjectDirectoryAttributes",
	"2.5.29.14":               "subjectKeyIdentifier",
	"2.5.29.15":               "keyUsage",
	"2.5.29.16":               "privateKeyUsagePeriod",
	"2.5.29.17":               "subjectAltName",
	"2.5.29.18":               "issuerAltName",
	"2.5.29.19":               "basicConstraints",
	"2.5.29.30":               "nameConstraints",
	"2.5.29.31":               "cRLDistributionPoints",
	"2.5.29.32":               "certificatePolicies",
	"2.5.29.33":               "policyMappings",
	"2.5.29.35":               "authorityKeyIdentifier",
	"2.5.29.36":               "policyConstraints",
	"2.5.29.37":               "extKeyUsage",
	"2.5.29.46":               "freshestCRL",
	"2.5.29.54":               "inhibitAnyPolicy",
	"1.3.6.1.5.5.7.1.1":       "authorityInfoAccess",
	"1.3.6.1.5.5.7.1.3":       "qcStatements",
	"1.3.6.1.5.5.7.1.11":      "subjectInfoAccess",
	"1.3.6.1.5.5.7.1.24":      "tlsFeature (must-staple)",
	"1.3.6.1.5.5.7.48.1.5":    "ocspNoCheck",
	"1.3.6.1.4.1.11129.2.4.2": "ctSCTList",
	"1.3.6.1.4.1.11129.2.4.3": "ctPoison",
	"2.16.840.1.113730.1.1":   "netscapeCertType",
	"1.3.6.1.4.1.311.20.2":    "msCertificateTemplateName",
	"1.3.6.1.4.1.311.21.7":    "msCertificateTemplate",
}

// extensionLabel is an extension's OID and name, e.g.
// "2.5.29.19 basicConstraints", or "1.2.3 unknown extension".
func extensionLabel(oid asn1.ObjectIdentifier) string {
	s := oid.String()
	if name, ok := extensionNames[s]; ok {
		return s + " " + name
	}
	return s + " unknown extension"
}

// keyUsageNames are the KeyUsage bits in order (RFC 5280, 4.2.1.3).
var keyUsageNames = []string{
	"digitalSignature", "contentCommitment", "keyEncipherment", "dataEncipherment",
	"keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly",
}

func keyUsageString(ku x509.KeyUsage) string {
	var names []string
	for i, n := range keyUsageNames {
		if ku&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// extKeyUsages maps EKU OIDs to crypto/x509's values and names.
var extKeyUsages = []struct {
	oid  asn1.ObjectIdentifier
	eku  x509.ExtKeyUsage
	name string
}{
	{asn1.ObjectIdentifier{2, 5, 29, 37, 0}, x509.ExtKeyUsageAny, "anyExtendedKeyUsage"},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}, x509.ExtKeyUsageServerAuth, "serverAuth"},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2}, x509.ExtKeyUsageClientAuth, "clientAuth"},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 3}, x509.ExtKeyUsageCodeSigning, "codeSigning"},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 4}, x509.ExtKeyUsageEmailProtection, "emailProtection"},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 5}, x509.ExtKeyUsageIPSECEndSystem, "ipsecEndSystem"},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 6}, x509.ExtKeyUsageIPSECTunnel, "ipsecTunnel"},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 7}, x509.ExtKeyUsageIPSECUser, "ipsecUser"},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}, x509.ExtKeyUsageTimeStamping, "timeStamping"},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 9}, x509.ExtKeyUsageOCSPSigning, "OCSPSigning"},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 3}, x509.ExtKeyUsageMicrosoftServerGatedCrypto, "msSGC"},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 113730, 4, 1}, x509.ExtKeyUsageNetscapeServerGatedCrypto, "nsSGC"},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 22}, x509.ExtKeyUsageMicrosoftCommercialCodeSigning, "msCodeCom"},
	{asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 61, 1, 1}, x509.ExtKeyUsageMicrosoftKernelCodeSigning, "msKernelCode"},
}

// basicConstraintsProblem says why a requested basicConstraints value is
// refused, or "" when it is CA:FALSE without a path length.
func basicConstraintsProblem(value []byte) string {
	s := cryptobyte.String(value)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() {
		return "cannot be parsed; remove it from the request"
	}
	isCA := false
	if seq.PeekASN1Tag(cbasn1.BOOLEAN) && !seq.ReadASN1Boolean(&isCA) {
		return "cannot be parsed; remove it from the request"
	}
	if isCA {
		return "requests CA:TRUE; a request cannot make a CA (use \"ca intermediate create\"), remove the extension"
	}
	if !seq.Empty() {
		return "requests a path length, which only a CA certificate has; remove the extension"
	}
	return ""
}

// keyUsageProblem says why a requested keyUsage value is refused, or "".
func keyUsageProblem(value []byte, granted x509.KeyUsage, profile string) string {
	var bits asn1.BitString
	if rest, err := asn1.Unmarshal(value, &bits); err != nil || len(rest) != 0 {
		return "cannot be parsed; remove it from the request"
	}
	var ku x509.KeyUsage
	for i := 0; i < bits.BitLength; i++ {
		if bits.At(i) == 0 {
			continue
		}
		if i >= len(keyUsageNames) {
			return fmt.Sprintf("requests unknown key usage bit %d; remove the extension", i)
		}
		ku |= 1 << i
	}
	if extra := ku &^ granted; extra != 0 {
		return fmt.Sprintf("requests %s, which the %s profile does not grant; remove the extension (the profile sets key usage)", keyUsageString(extra), profileName(profile))
	}
	return ""
}

// extKeyUsageProblem says why a requested extKeyUsage value is refused, or "".
func extKeyUsageProblem(value []byte, granted []x509.ExtKeyUsage, profile string) string {
	var oids []asn1.ObjectIdentifier
	if rest, err := asn1.Unmarshal(value, &oids); err != nil || len(rest) != 0 {
		return "cannot be parsed; remove it from the request"
	}
	var extra []string
outer:
	for _, oid := range oids {
		for _, e := range extKeyUsages {
			if e.oid.Equal(oid) {
				for _, g := range granted {
					if g == e.eku {
						continue outer
					}
				}
				extra = append(extra, e.name)
				continue outer
			}
		}
		extra = append(extra, oid.String())
	}
	if len(extra) > 0 {
		return fmt.Sprintf("requests %s, which the %s profile does not grant; remove the extension (the profile sets extended key usage)", strings.Join(extra, ", "), profileName(profile))
	}
	return ""
}

func profileName(p string) string {
	if p == "" {
		return "requested"
	}
	return p
}

// generalNameTypes names the GeneralName choices (RFC 5280, 4.2.1.6).
var generalNameTypes = []string{
	"otherName", "rfc822Name", "dNSName", "x400Address", "directoryName",
	"ediPartyName", "uniformResourceIdentifier", "iPAddress", "registeredID",
}

// otherSANTypes lists the names in SAN extensions that are not DNS, IP,
// email or URI names, which crypto/x509 skips: they would be dropped
// silently, so Judge refuses them.
func otherSANTypes(exts []pkix.Extension) []string {
	var out []string
	for _, e := range exts {
		if !e.Id.Equal(oidExtSAN) {
			continue
		}
		s := cryptobyte.String(e.Value)
		var seq cryptobyte.String
		if !s.ReadASN1(&seq, cbasn1.SEQUENCE) {
			out = append(out, "unparsable subjectAltName")
			continue
		}
		for !seq.Empty() {
			var name cryptobyte.String
			var tag cbasn1.Tag
			if !seq.ReadAnyASN1Element(&name, &tag) {
				out = append(out, "unparsable subjectAltName")
				break
			}
			n := int(tag & 0x1f)
			switch {
			case tag&0xc0 != 0x80:
				out = append(out, "unparsable subjectAltName")
			case n == 1 || n == 2 || n == 6 || n == 7:
			case n < len(generalNameTypes):
				out = append(out, generalNameTypes[n])
			default:
				out = append(out, fmt.Sprintf("GeneralName [%d]", n))
			}
		}
	}
	return out
}
