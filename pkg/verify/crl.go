package verify

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// CRL extension OIDs (RFC 5280, 5.2 and 5.3).
var (
	oidCRLNumber      = asn1.ObjectIdentifier{2, 5, 29, 20}
	oidDeltaCRL       = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidIDP            = asn1.ObjectIdentifier{2, 5, 29, 28}
	oidIssuerAltName  = asn1.ObjectIdentifier{2, 5, 29, 18}
	oidCDP            = asn1.ObjectIdentifier{2, 5, 29, 31}
	oidReasonCode     = asn1.ObjectIdentifier{2, 5, 29, 21}
	oidHoldInstr      = asn1.ObjectIdentifier{2, 5, 29, 23}
	oidInvalidityDate = asn1.ObjectIdentifier{2, 5, 29, 24}
)

// CRL is one parsed CRL and the name it is reported by (its file).
type CRL struct {
	Name string
	List *x509.RevocationList
	idp  *idp  // the issuing distribution point; nil when absent
	bad  error // an issuing distribution point that does not parse
}

// idp is an issuing distribution point (RFC 5280, 5.2.5).
type idp struct {
	names                          []string // fullName, each as tag:hex
	onlyUser, onlyCA, onlyAttr     bool
	indirect, someReasons, hasName bool
}

// NewCRL wraps a parsed CRL; name says where it came from.
func NewCRL(name string, list *x509.RevocationList) *CRL {
	c := &CRL{Name: name, List: list}
	for _, e := range list.Extensions {
		if e.Id.Equal(oidIDP) {
			c.idp, c.bad = parseIDP(e.Value)
		}
	}
	return c
}

// crlReason makes a Reason about a whole CRL.
func crlReason(c *CRL, rule, ref, format string, args ...any) Reason {
	return Reason{Rule: rule, Ref: ref, Certificate: -1, CRL: c.Name, Detail: fmt.Sprintf(format, args...)}
}

// checkCRLs judges each CRL on its own: an issuer among the known
// certificates whose key verifies it (else it is foreign), its times at at,
// and the extensions RFC 5280 requires or forbids. A CRL that breaks any of
// these is a failure even if it covers no certificate of the chain.
func checkCRLs(crls []*CRL, known []*x509.Certificate, at time.Time) []Reason {
	var out []Reason
	for _, c := range crls {
		out = append(out, checkCRLIssuer(c, known)...)
		l := c.List
		switch {
		case l.ThisUpdate.After(at):
			out = append(out, crlReason(c, "crl-not-yet-valid", "RFC 5280, 6.3.3", "thisUpdate %s is after %s", l.ThisUpdate.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339)))
		case l.NextUpdate.IsZero():
			out = append(out, crlReason(c, "crl-next-update-missing", "RFC 5280, 5.1.2.5", "the CRL has no nextUpdate, so it cannot be current"))
		case l.NextUpdate.Before(at):
			out = append(out, crlReason(c, "crl-expired", "RFC 5280, 6.3.3", "nextUpdate %s is before %s: the CRL has lapsed", l.NextUpdate.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339)))
		}
		out = append(out, checkCRLExtensions(c)...)
	}
	return out
}

// checkCRLIssuer finds the certificate that signed c.
func checkCRLIssuer(c *CRL, known []*x509.Certificate) []Reason {
	l := c.List
	switch l.SignatureAlgorithm {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.DSAWithSHA256, x509.ECDSAWithSHA1, x509.UnknownSignatureAlgorithm:
		return []Reason{crlReason(c, "crl-signature-algorithm", "RFC 9155; RFC 6151", "signature algorithm %s is not accepted", l.SignatureAlgorithm)}
	}
	named := false
	for _, k := range known {
		if !bytes.Equal(k.RawSubject, l.RawIssuer) {
			continue
		}
		named = true
		if k.CheckSignature(l.SignatureAlgorithm, l.RawTBSRevocationList, l.Signature) != nil {
			continue
		}
		_, hasKU := findExt(k, oidKeyUsage)
		if !k.BasicConstraintsValid || !k.IsCA || hasKU && k.KeyUsage&x509.KeyUsageCRLSign == 0 {
			return []Reason{crlReason(c, "crl-sign-usage", "RFC 5280, 6.3.3 (f)", "its issuer %s is not a CA with the cRLSign key usage", k.Subject)}
		}
		return nil
	}
	if named {
		return []Reason{crlReason(c, "crl-signature", "RFC 5280, 6.3.3 (g)", "no certificate named %s verifies the CRL's signature", l.Issuer)}
	}
	return []Reason{crlReason(c, "crl-foreign", "RFC 5280, 6.3.3", "its issuer %s is none of the certificates given (roots, --untrusted, the file)", l.Issuer)}
}

// checkCRLExtensions: CRL number present and non-critical (5.2.3), AKI
// present (5.2.1), no unknown critical extension on the CRL or an entry
// (5.2, 5.3), no delta or indirect CRL (not supported).
func checkCRLExtensions(c *CRL) []Reason {
	var out []Reason
	known := []asn1.ObjectIdentifier{oidAKI, oidCRLNumber, oidIDP, oidIssuerAltName, oidAIA, oidFreshestCRL}
	hasNumber, hasAKI := false, false
	for _, e := range c.List.Extensions {
		switch {
		case e.Id.Equal(oidCRLNumber):
			hasNumber = true
			if e.Critical {
				out = append(out, crlReason(c, "crl-number-critical", "RFC 5280, 5.2.3", "the CRL number extension must be non-critical"))
			}
		case e.Id.Equal(oidAKI):
			hasAKI = true
		case e.Id.Equal(oidIDP) && !e.Critical:
			out = append(out, crlReason(c, "crl-idp-not-critical", "RFC 5280, 5.2.5", "the issuing distribution point must be critical"))
		case e.Id.Equal(oidDeltaCRL):
			out = append(out, crlReason(c, "crl-delta-unsupported", "RFC 5280, 5.2.4", "delta CRLs are not supported; give the full CRL"))
		case e.Critical && !slices.ContainsFunc(known, e.Id.Equal):
			out = append(out, crlReason(c, "crl-unknown-critical-extension", "RFC 5280, 5.2", "unknown critical extension %s", e.Id))
		}
	}
	if !hasNumber {
		out = append(out, crlReason(c, "crl-number-missing", "RFC 5280, 5.2.3", "a CRL must carry a CRL number"))
	}
	if !hasAKI {
		out = append(out, crlReason(c, "crl-aki-missing", "RFC 5280, 5.2.1", "a CRL must carry an authority key identifier"))
	}
	switch {
	case c.bad != nil:
		out = append(out, crlReason(c, "crl-idp-malformed", "RFC 5280, 5.2.5", "%v", c.bad))
	case c.idp != nil && c.idp.indirect:
		out = append(out, crlReason(c, "crl-indirect-unsupported", "RFC 5280, 5.2.5", "indirect CRLs are not supported"))
	}
	return append(out, checkEntryExtensions(c)...)
}

// checkEntryExtensions: no unknown critical extension on an entry (5.3) and
// no serial listed twice.
func checkEntryExtensions(c *CRL) []Reason {
	known := []asn1.ObjectIdentifier{oidReasonCode, oidHoldInstr, oidInvalidityDate}
	seen := make(map[string]bool, len(c.List.RevokedCertificateEntries))
	for _, e := range c.List.RevokedCertificateEntries {
		k := e.SerialNumber.String()
		if seen[k] {
			return []Reason{crlReason(c, "crl-duplicate-entry", "RFC 5280, 5.1.2.6", "serial %x is listed twice", e.SerialNumber)}
		}
		seen[k] = true
		for _, x := range e.Extensions {
			if x.Critical && !slices.ContainsFunc(known, x.Id.Equal) {
				return []Reason{crlReason(c, "crl-entry-unknown-critical-extension", "RFC 5280, 5.3",
					"the entry for serial %x has an unknown critical extension %s", e.SerialNumber, x.Id)}
			}
		}
	}
	return nil
}

// revocation checks every certificate of a built path but its root against
// the CRLs that cover it: issued under its issuer's name and signed with its
// issuer's key. A covering CRL whose scope (issuing distribution point)
// leaves the certificate out is a failure, as is an entry for its serial,
// whatever the entry's date (RFC 5280, 6.3.3).
func revocation(path []*x509.Certificate, crls []*CRL) []Reason {
	var out []Reason
	for i := 0; i+1 < len(path); i++ {
		c, issuer := path[i], path[i+1]
		for _, l := range crls {
			if !bytes.Equal(l.List.RawIssuer, c.RawIssuer) ||
				issuer.CheckSignature(l.List.SignatureAlgorithm, l.List.RawTBSRevocationList, l.List.Signature) != nil {
				continue
			}
			if why := outOfScope(l, c); why != "" {
				out = append(out, reason(path, i, "crl-scope", "RFC 5280, 5.2.5 and 6.3.3 (b)", "CRL %s does not cover it: %s", l.Name, why))
				continue
			}
			for _, e := range l.List.RevokedCertificateEntries {
				if e.SerialNumber != nil && e.SerialNumber.Cmp(c.SerialNumber) == 0 {
					r := reason(path, i, "revoked", "RFC 5280, 6.3.3", "revoked at %s, reason %s, says CRL %s",
						e.RevocationTime.UTC().Format(time.RFC3339), reasonName(e.ReasonCode), l.Name)
					r.CRL = l.Name
					out = append(out, r)
				}
			}
		}
	}
	return out
}

// outOfScope says why an issuing distribution point leaves c out, "" when
// it does not.
func outOfScope(l *CRL, c *x509.Certificate) string {
	p := l.idp
	if p == nil {
		return ""
	}
	isCA := c.BasicConstraintsValid && c.IsCA
	switch {
	case p.onlyAttr:
		return "it lists only attribute certificates"
	case p.onlyUser && isCA:
		return "it lists only end-entity certificates and this is a CA"
	case p.onlyCA && !isCA:
		return "it lists only CA certificates and this is an end entity"
	case !p.hasName:
		return ""
	}
	for _, n := range certDPNames(c) {
		if slices.Contains(p.names, n) {
			return ""
		}
	}
	return "its distribution point names none of the certificate's CRL distribution points"
}

func reasonName(code int) string {
	names := []string{"unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
		"cessationOfOperation", "certificateHold", "", "removeFromCRL", "privilegeWithdrawn", "aACompromise"}
	if code >= 0 && code < len(names) && names[code] != "" {
		return names[code]
	}
	return fmt.Sprintf("code %d", code)
}

var (
	tag0 = cbasn1.Tag(0).ContextSpecific().Constructed()
)

// parseIDP reads an IssuingDistributionPoint (RFC 5280, 5.2.5).
func parseIDP(der []byte) (*idp, error) {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() {
		return nil, fmt.Errorf("verify: issuing distribution point is not a SEQUENCE")
	}
	p := &idp{}
	if seq.PeekASN1Tag(tag0) {
		var dpn cryptobyte.String
		seq.ReadASN1(&dpn, tag0)
		p.hasName = true
		p.names = readFullName(dpn)
	}
	flags := []*bool{&p.onlyUser, &p.onlyCA, &p.someReasons, &p.indirect, &p.onlyAttr}
	for i, f := range flags {
		tag := cbasn1.Tag(i + 1).ContextSpecific()
		var v cryptobyte.String
		var present bool
		if !seq.ReadOptionalASN1(&v, &present, tag) {
			return nil, fmt.Errorf("verify: issuing distribution point field [%d] does not parse", i+1)
		}
		*f = present && (i == 2 || len(v) == 1 && v[0] != 0)
	}
	if !seq.Empty() {
		return nil, fmt.Errorf("verify: issuing distribution point has trailing data")
	}
	return p, nil
}

// readFullName reads the fullName of a DistributionPointName; a
// nameRelativeToCRLIssuer gives no names (and so matches nothing).
func readFullName(dpn cryptobyte.String) []string {
	var names []string
	var gns cryptobyte.String
	if !dpn.ReadASN1(&gns, tag0) {
		return nil
	}
	for !gns.Empty() {
		var gn cryptobyte.String
		var tag cbasn1.Tag
		if !gns.ReadAnyASN1(&gn, &tag) {
			return names
		}
		names = append(names, fmt.Sprintf("%d:%x", tag, []byte(gn)))
	}
	return names
}

// certDPNames lists the fullNames of c's CRL distribution points.
func certDPNames(c *x509.Certificate) []string {
	var names []string
	for _, e := range c.Extensions {
		if !e.Id.Equal(oidCDP) {
			continue
		}
		s := cryptobyte.String(e.Value)
		var dps cryptobyte.String
		if !s.ReadASN1(&dps, cbasn1.SEQUENCE) {
			return nil
		}
		for !dps.Empty() {
			var dp, dpn cryptobyte.String
			if !dps.ReadASN1(&dp, cbasn1.SEQUENCE) {
				return names
			}
			if dp.PeekASN1Tag(tag0) && dp.ReadASN1(&dpn, tag0) {
				names = append(names, readFullName(dpn)...)
			}
		}
	}
	return names
}
