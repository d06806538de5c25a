package verify

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"slices"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/net/publicsuffix"
)

// Extension OIDs (RFC 5280, 4.2).
var (
	oidSKI              = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidSAN              = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidNameConstraints  = asn1.ObjectIdentifier{2, 5, 29, 30}
	oidAKI              = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidEKU              = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidPolicyConstr     = asn1.ObjectIdentifier{2, 5, 29, 36}
	oidInhibitAnyPolicy = asn1.ObjectIdentifier{2, 5, 29, 54}
	oidFreshestCRL      = asn1.ObjectIdentifier{2, 5, 29, 46}
	oidAIA              = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}
)

// criticality lists the extensions that RFC 5280 says MUST be critical and
// that crypto/x509 handles (so accepts when they are not). Basic and name
// constraints are judged with the CA rules. The other way round needs no
// rule: crypto/x509 refuses to parse a critical AKI, SKI or AIA, and fails a
// critical extension it does not handle (SIA, freshest CRL, subject
// directory attributes).
var criticality = []struct {
	oid      asn1.ObjectIdentifier
	name     string
	critical bool
	ref      string
}{
	{oidPolicyConstr, "policy-constraints", true, "RFC 5280, 4.2.1.11"},
	{oidInhibitAnyPolicy, "inhibit-any-policy", true, "RFC 5280, 4.2.1.14"},
}

// findExt returns the extension of c with id oid.
func findExt(c *x509.Certificate, oid asn1.ObjectIdentifier) (critical, ok bool) {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return e.Critical, true
		}
	}
	return false, false
}

// checkPath applies every rule to chain, leaf first. built says that chain
// is a path crypto/x509 built (issuer of each is the next, the last is a
// root); when it is not, chain is the leaf alone and only its own rules
// apply.
func checkPath(chain []*x509.Certificate, o *Options, built bool) []Reason {
	var out []Reason
	for i := range chain {
		issuerPos := built && i > 0
		out = append(out, checkEncoding(chain, i)...)
		out = append(out, checkKeyIDs(chain, i, built)...)
		out = append(out, checkCA(chain, i, issuerPos)...)
		out = append(out, checkNames(chain, i)...)
		out = append(out, checkAlgorithms(chain, i, built)...)
	}
	out = append(out, checkWildcards(chain)...)
	out = append(out, checkName(chain, o)...)
	if built {
		out = append(out, checkPurpose(chain, o.Purpose)...)
	} else {
		out = append(out, checkPurpose(chain[:1], o.Purpose)...)
	}
	return out
}

// checkEncoding: serial, version, and extension criticality.
func checkEncoding(chain []*x509.Certificate, i int) []Reason {
	c := chain[i]
	var out []Reason
	switch {
	case c.SerialNumber == nil || c.SerialNumber.Sign() <= 0:
		out = append(out, reason(chain, i, "serial-not-positive", "RFC 5280, 4.1.2.2", "the serial number must be a positive integer, not %s", c.SerialNumber))
	case c.SerialNumber.BitLen()/8+1 > 20:
		out = append(out, reason(chain, i, "serial-too-long", "RFC 5280, 4.1.2.2", "the serial number takes %d octets, more than 20", c.SerialNumber.BitLen()/8+1))
	}
	if _, ok := findExt(c, oidEKU); ok && len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		out = append(out, reason(chain, i, "eku-empty", "RFC 5280, 4.2.1.12", "an extendedKeyUsage extension must name at least one purpose"))
	}
	if c.Version != 3 && (len(c.Extensions) > 0 || hasRawExtensions(c.RawTBSCertificate)) {
		out = append(out, reason(chain, i, "version", "RFC 5280, 4.1.2.1", "a certificate with extensions must be version 3, not %d", c.Version))
	}
	for _, x := range criticality {
		if crit, ok := findExt(c, x.oid); ok && crit != x.critical {
			rule, must := x.name+"-critical", "non-critical"
			if x.critical {
				rule, must = x.name+"-not-critical", "critical"
			}
			out = append(out, reason(chain, i, rule, x.ref, "the %s extension must be marked %s", x.name, must))
		}
	}
	return out
}

// selfSigned: issuer and subject are the same name and the certificate's
// own key verifies its signature (a weak algorithm is judged elsewhere).
func selfSigned(c *x509.Certificate) bool {
	if !bytes.Equal(c.RawSubject, c.RawIssuer) {
		return false
	}
	err := c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature)
	return err == nil || errors.As(err, new(x509.InsecureAlgorithmError))
}

// checkKeyIDs: subject and authority key identifiers (RFC 5280, 4.2.1.1-2).
// A trust anchor may lack an AKI even when it is not self-signed (a
// cross-signed CA given as a root): RFC 5280, 6.1.1 (d) takes the anchor as
// input, not as a certificate of the path.
func checkKeyIDs(chain []*x509.Certificate, i int, built bool) []Reason {
	c := chain[i]
	var out []Reason
	if c.BasicConstraintsValid && c.IsCA && len(c.SubjectKeyId) == 0 {
		out = append(out, reason(chain, i, "ski-missing", "RFC 5280, 4.2.1.2", "a CA certificate must have a subject key identifier"))
	}
	self := selfSigned(c)
	_, hasAKI := findExt(c, oidAKI)
	anchor := built && i == len(chain)-1
	switch {
	case hasAKI && len(c.AuthorityKeyId) == 0:
		out = append(out, reason(chain, i, "aki-missing", "RFC 5280, 4.2.1.1", "the authority key identifier has no keyIdentifier"))
	case !hasAKI && !self && !anchor:
		out = append(out, reason(chain, i, "aki-missing", "RFC 5280, 4.2.1.1", "a certificate that is not self-signed must have an authority key identifier with a keyIdentifier"))
	case len(c.AuthorityKeyId) > 0 && self && len(c.SubjectKeyId) > 0 && !bytes.Equal(c.AuthorityKeyId, c.SubjectKeyId):
		out = append(out, reason(chain, i, "aki-mismatch", "RFC 5280, 4.2.1.1", "the self-signed certificate's authority key identifier %x differs from its subject key identifier %x", c.AuthorityKeyId, c.SubjectKeyId))
	case len(c.AuthorityKeyId) > 0 && !self && built && i+1 < len(chain) &&
		len(chain[i+1].SubjectKeyId) > 0 && !bytes.Equal(c.AuthorityKeyId, chain[i+1].SubjectKeyId):
		out = append(out, reason(chain, i, "aki-mismatch", "RFC 5280, 4.2.1.1", "the authority key identifier %x differs from the issuer's subject key identifier %x", c.AuthorityKeyId, chain[i+1].SubjectKeyId))
	}
	return out
}

// checkCA: basic constraints, key usage and name constraints
// (RFC 5280, 4.2.1.3, 4.2.1.9, 4.2.1.10). issuerPos says that the
// certificate signed the one before it in the chain. (An issuer whose
// keyUsage lacks keyCertSign is refused by crypto/x509 itself.)
func checkCA(chain []*x509.Certificate, i int, issuerPos bool) []Reason {
	c := chain[i]
	isCA := c.BasicConstraintsValid && c.IsCA
	bcCrit, hasBC := findExt(c, oidBasicConstraints)
	_, hasKU := findExt(c, oidKeyUsage)
	var out []Reason
	add := func(rule, ref, detail string) { out = append(out, reason(chain, i, rule, ref, "%s", detail)) }
	// crypto/x509 lets a version 1 root sign; RFC 5280 does not.
	if issuerPos && !isCA {
		add("bc-not-ca", "RFC 5280, 4.2.1.9", "it signed a certificate of the chain but has no basicConstraints with cA TRUE")
	}
	if isCA && hasBC && !bcCrit {
		add("bc-not-critical", "RFC 5280, 4.2.1.9", "a CA certificate's basicConstraints must be critical")
	}
	pathLen := c.BasicConstraintsValid && c.MaxPathLen >= 0
	switch {
	case pathLen && !isCA:
		add("bc-pathlen", "RFC 5280, 4.2.1.9", "pathLenConstraint without cA TRUE")
	case pathLen && hasKU && c.KeyUsage&x509.KeyUsageCertSign == 0:
		add("bc-pathlen", "RFC 5280, 4.2.1.9", "pathLenConstraint without the keyCertSign key usage")
	}
	if c.KeyUsage&x509.KeyUsageCertSign != 0 && !isCA {
		add("ku-keycertsign-not-ca", "RFC 5280, 4.2.1.9", "keyCertSign is asserted but basicConstraints cA is not")
	}
	if hasKU && c.KeyUsage == 0 {
		add("ku-empty", "RFC 5280, 4.2.1.3", "a keyUsage extension must assert at least one bit")
	}
	if ncCrit, ok := findExt(c, oidNameConstraints); ok {
		if !isCA {
			add("nc-not-ca", "RFC 5280, 4.2.1.10", "name constraints on a certificate that is not a CA")
		}
		if !ncCrit {
			add("nc-not-critical", "RFC 5280, 4.2.1.10", "name constraints must be critical")
		}
	}
	return out
}

// checkNames: subject and issuer names (RFC 5280, 4.1.2.4 and 4.1.2.6).
func checkNames(chain []*x509.Certificate, i int) []Reason {
	c := chain[i]
	var out []Reason
	if len(c.Issuer.Names) == 0 {
		out = append(out, reason(chain, i, "issuer-empty", "RFC 5280, 4.1.2.4", "the issuer name must not be empty"))
	}
	if len(c.Subject.Names) > 0 {
		return out
	}
	sanCrit, hasSAN := findExt(c, oidSAN)
	switch {
	case c.BasicConstraintsValid && c.IsCA || i > 0:
		out = append(out, reason(chain, i, "subject-empty", "RFC 5280, 4.1.2.6", "a CA certificate must have a non-empty subject"))
	case !hasSAN:
		out = append(out, reason(chain, i, "subject-empty", "RFC 5280, 4.1.2.6", "an empty subject needs a subjectAltName extension"))
	case !sanCrit:
		out = append(out, reason(chain, i, "san-not-critical", "RFC 5280, 4.2.1.6", "with an empty subject the subjectAltName extension must be critical"))
	}
	return out
}

// checkAlgorithms refuses signatures and keys outside the modern set: MD2,
// MD5 and SHA-1 signatures, DSA, RSA under 2048 bits, curves other than
// P-256, P-384, P-521 (RFC 6151, RFC 9155, NIST SP 800-131A). The signature of
// the root of a built chain is not relied on and is not judged.
func checkAlgorithms(chain []*x509.Certificate, i int, built bool) []Reason {
	c := chain[i]
	var out []Reason
	anchor := built && i == len(chain)-1
	switch c.SignatureAlgorithm {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.DSAWithSHA256, x509.ECDSAWithSHA1, x509.UnknownSignatureAlgorithm:
		if !anchor {
			out = append(out, reason(chain, i, "signature-algorithm", "RFC 9155; RFC 6151", "signature algorithm %s is not accepted", c.SignatureAlgorithm))
		}
	}
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			out = append(out, reason(chain, i, "key-weak", "NIST SP 800-131A", "an RSA key of %d bits; at least 2048 are needed", k.N.BitLen()))
		}
	case *ecdsa.PublicKey:
		if !slices.Contains([]elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()}, k.Curve) {
			out = append(out, reason(chain, i, "key-weak", "RFC 5480", "curve %s is not accepted", k.Curve.Params().Name))
		}
	default:
		if c.PublicKeyAlgorithm != x509.Ed25519 {
			out = append(out, reason(chain, i, "key-algorithm", "RFC 5280, 4.1.2.7", "public key algorithm %s is not accepted", c.PublicKeyAlgorithm))
		}
	}
	return out
}

// checkWildcards: a wildcard in a DNS name of the leaf only as the whole
// left-most label, and not directly over a public suffix (RFC 9525, 6.3;
// the CA/Browser Forum's rule for "*.com" and "*.co.uk").
func checkWildcards(chain []*x509.Certificate) []Reason {
	var out []Reason
	for _, n := range chain[0].DNSNames {
		if !validDNSName(strings.TrimPrefix(n, "*.")) {
			out = append(out, reason(chain, 0, "san-dns-invalid", "RFC 5280, 4.2.1.6", "DNS name %q is not in the preferred name syntax (letters, digits and hyphens in non-empty labels)", n))
			continue
		}
		if !strings.Contains(n, "*") {
			continue
		}
		rest, ok := strings.CutPrefix(n, "*.")
		if !ok || strings.Contains(rest, "*") || rest == "" {
			out = append(out, reason(chain, 0, "wildcard-position", "RFC 9525, 6.3", "DNS name %q: a wildcard must be the whole left-most label", n))
			continue
		}
		rest = strings.ToLower(strings.TrimSuffix(rest, "."))
		if ps, _ := publicsuffix.PublicSuffix(rest); ps == rest {
			out = append(out, reason(chain, 0, "wildcard-public-suffix", "RFC 9525, 7.2", "DNS name %q: a wildcard directly over the public suffix %s", n, rest))
		}
	}
	return out
}

// checkPurpose checks the extended key usage through the chain (RFC 5280,
// 4.2.1.12): the leaf must name the purpose itself (anyExtendedKeyUsage does
// not stand in for it) or carry no EKU; a CA certificate with EKUs must
// permit the purpose, by name or with anyExtendedKeyUsage.
func checkPurpose(chain []*x509.Certificate, p Purpose) []Reason {
	want, name := x509.ExtKeyUsageServerAuth, "serverAuth"
	switch p {
	case PurposeServer:
	case PurposeClient:
		want, name = x509.ExtKeyUsageClientAuth, "clientAuth"
	default:
		return nil
	}
	var out []Reason
	for i, c := range chain {
		if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
			continue
		}
		ok := slices.Contains(c.ExtKeyUsage, want) || i > 0 && slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny)
		if ok {
			continue
		}
		detail := "its extended key usage does not permit " + name
		if i == 0 && slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny) {
			detail += " (anyExtendedKeyUsage on a leaf does not stand in for it)"
		}
		out = append(out, reason(chain, i, "eku-purpose", "RFC 5280, 4.2.1.12", "%s", detail))
	}
	return out
}

// validDNSName: the preferred name syntax of RFC 1034, 3.5, as RFC 5280,
// 4.2.1.6 requires for dNSName (with RFC 1123's leading digits): labels of 1
// to 63 letters, digits and hyphens, not starting or ending with a hyphen;
// at most 253 characters; IDNs as A-labels. A "*" is judged by
// checkWildcards.
func validDNSName(n string) bool {
	if n == "" || len(n) > 253 {
		return false
	}
	for _, l := range strings.Split(n, ".") {
		if l == "*" {
			continue
		}
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '*') {
				return false
			}
		}
	}
	return true
}

// hasRawExtensions reports whether a TBSCertificate carries the
// extensions field ([3]), which crypto/x509 does not parse (and so does
// not report) in a certificate of version 1 or 2.
func hasRawExtensions(tbs []byte) bool {
	in := cryptobyte.String(tbs)
	var body cryptobyte.String
	if !in.ReadASN1(&body, cbasn1.SEQUENCE) {
		return false
	}
	// The version, then serial, signature, issuer, validity, subject and
	// subjectPublicKeyInfo.
	body.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific())
	for range 6 {
		var field cryptobyte.String
		var tag cbasn1.Tag
		if !body.ReadAnyASN1(&field, &tag) {
			return false
		}
	}
	body.SkipOptionalASN1(cbasn1.Tag(1).ContextSpecific()) // issuerUniqueID
	body.SkipOptionalASN1(cbasn1.Tag(2).ContextSpecific()) // subjectUniqueID
	return body.PeekASN1Tag(cbasn1.Tag(3).Constructed().ContextSpecific())
}
