package csr

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Subject rules, as in openssl ca's policy sections.
const (
	ruleMatch     = "match"     // equal to the issuer's own value of the field
	ruleSupplied  = "supplied"  // present and not empty
	ruleOptional  = "optional"  // may be present
	ruleForbidden = "forbidden" // must be absent
)

var subjectRules = []string{ruleMatch, ruleSupplied, ruleOptional, ruleForbidden}

// What to do with a subject field the policy does not name.
const (
	unlistedReject = "reject"
	unlistedDrop   = "drop"
)

// SAN types, as the policy's "san" object names them, in the order they
// are listed and checked.
const (
	sanDNS   = "dns"
	sanIP    = "ip"
	sanEmail = "email"
	sanURI   = "uri"
)

var sanTypes = []string{sanDNS, sanIP, sanEmail, sanURI}

// sanNouns name the SAN types in messages.
var sanNouns = map[string]string{sanDNS: "DNS names", sanIP: "IP addresses", sanEmail: "email addresses", sanURI: "URIs"}

// Profiles a policy may allow.
var allProfiles = []string{"server", "client", "device"}

// defaultMaxValidity is the maxValidity of DefaultPolicy: 397 days, the
// CA/Browser Forum's limit for TLS server certificates.
const defaultMaxValidity = 397 * day

// attrName is a subject attribute type the policy knows by name.
type attrName struct {
	name string
	oid  asn1.ObjectIdentifier
	max  int // RFC 5280 Appendix A upper bound, 0 for none
}

// knownAttrs are the attribute types with names, in the order Judge checks
// them; the upper bounds are RFC 5280's ub-* values.
var knownAttrs = []attrName{
	{"C", asn1.ObjectIdentifier{2, 5, 4, 6}, 2},
	{"ST", asn1.ObjectIdentifier{2, 5, 4, 8}, 128},
	{"L", asn1.ObjectIdentifier{2, 5, 4, 7}, 128},
	{"O", asn1.ObjectIdentifier{2, 5, 4, 10}, 64},
	{"OU", asn1.ObjectIdentifier{2, 5, 4, 11}, 64},
	{"CN", asn1.ObjectIdentifier{2, 5, 4, 3}, 64},
	{"serialNumber", asn1.ObjectIdentifier{2, 5, 4, 5}, 64},
	{"street", asn1.ObjectIdentifier{2, 5, 4, 9}, 128},
	{"postalCode", asn1.ObjectIdentifier{2, 5, 4, 17}, 40},
	{"emailAddress", asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}, 128},
}

// attrByName finds a known attribute by name or by dotted OID.
func attrByName(name string) (attrName, bool) {
	for _, a := range knownAttrs {
		if a.name == name || a.oid.String() == name {
			return a, true
		}
	}
	return attrName{}, false
}

// attrNameOf names an attribute type: its short name when known, else its
// dotted OID.
func attrNameOf(oid asn1.ObjectIdentifier) string {
	for _, a := range knownAttrs {
		if a.oid.Equal(oid) {
			return a.name
		}
	}
	return oid.String()
}

// fieldPolicy is the rule for one subject field.
type fieldPolicy struct {
	name      string // "CN", or a dotted OID
	rule      string
	allow     []string
	pattern   string
	re        *regexp.Regexp // pattern, anchored to the whole value
	maxLength int
}

// sanPolicy is the rule for one SAN type: any valid name, or the names
// that match an allow entry and no deny entry.
type sanPolicy struct {
	any        bool
	allow      []string
	deny       []string
	allowNets  []*net.IPNet
	denyNets   []*net.IPNet
	allowTexts []string // CIDRs as written, for MarshalJSON
	denyTexts  []string
}

// Policy is an issuer's signing policy: rules for subject fields, SANs,
// key types, profiles and the longest validity. Make one with ParsePolicy
// or DefaultPolicy; it is not changed after, so it may be shared.
type Policy struct {
	subject         []*fieldPolicy
	unlisted        string
	san             map[string]*sanPolicy
	keyTypes        []string
	maxValidity     time.Duration
	maxValidityText string
	profiles        []string
}

// DefaultPolicy is the policy "ca init" writes for an issuer with the given
// subject: C, O and ST "match" where the issuer has them (else "optional"),
// CN "supplied", OU and L "optional", unlisted fields rejected, "any" for
// the four SAN types, all six key types, a maxValidity of 397d, and the
// profiles server, client and device.
func DefaultPolicy(issuer pkix.Name) *Policy {
	matchIf := func(has bool) string {
		if has {
			return ruleMatch
		}
		return ruleOptional
	}
	p := &Policy{
		subject: []*fieldPolicy{
			{name: "C", rule: matchIf(len(issuer.Country) > 0)},
			{name: "O", rule: matchIf(len(issuer.Organization) > 0)},
			{name: "OU", rule: ruleOptional},
			{name: "CN", rule: ruleSupplied},
			{name: "L", rule: ruleOptional},
			{name: "ST", rule: matchIf(len(issuer.Province) > 0)},
		},
		unlisted:        unlistedReject,
		san:             map[string]*sanPolicy{},
		keyTypes:        slices.Clone(allKeyTypes),
		maxValidity:     defaultMaxValidity,
		maxValidityText: formatDuration(defaultMaxValidity),
		profiles:        slices.Clone(allProfiles),
	}
	for _, t := range sanTypes {
		p.san[t] = &sanPolicy{any: true}
	}
	return p
}

// MaxValidity is the longest validity the policy allows.
func (p *Policy) MaxValidity() time.Duration { return p.maxValidity }

// field returns the rule for a subject field name, or nil.
func (p *Policy) field(name string) *fieldPolicy {
	for _, f := range p.subject {
		if f.name == name {
			return f
		}
	}
	return nil
}

// Rule is one line of "ca policy show": the field it governs ("subject CN",
// "unlisted", "san dns", "keyTypes", "maxValidity", "profiles"), the rule,
// and its detail (allow lists, pattern, limits).
type Rule struct {
	Field  string `json:"field"`
	Rule   string `json:"rule"`
	Detail string `json:"detail"`
}

// Rules lists the policy for people: one Rule per subject field in the
// policy's order, then unlisted, each of the four SAN types (a type without
// a rule is listed as "refused"), keyTypes, maxValidity and profiles.
func (p *Policy) Rules() []Rule {
	var rules []Rule
	for _, f := range p.subject {
		var d []string
		if f.allow != nil {
			d = append(d, "allow "+strings.Join(f.allow, ", "))
		}
		if f.re != nil {
			d = append(d, "pattern "+f.pattern)
		}
		if f.maxLength != 0 {
			d = append(d, fmt.Sprintf("maxLength %d", f.maxLength))
		}
		rules = append(rules, Rule{Field: "subject " + f.name, Rule: f.rule, Detail: strings.Join(d, "; ")})
	}
	unlistedDetail := "a subject field the policy does not name is refused"
	if p.unlisted == unlistedDrop {
		unlistedDetail = "a subject field the policy does not name is left out of the certificate"
	}
	rules = append(rules, Rule{Field: "unlisted", Rule: p.unlisted, Detail: unlistedDetail})
	for _, t := range sanTypes {
		sp := p.san[t]
		switch {
		case sp == nil:
			rules = append(rules, Rule{Field: "san " + t, Rule: "refused", Detail: "no rule: " + sanNouns[t] + " are refused"})
		case sp.any:
			rules = append(rules, Rule{Field: "san " + t, Rule: "any", Detail: "all valid " + sanNouns[t]})
		default:
			allow, deny := sp.allow, sp.deny
			if t == sanIP {
				allow, deny = sp.allowTexts, sp.denyTexts
			}
			d := "allow " + strings.Join(allow, ", ")
			if len(deny) > 0 {
				d += "; deny " + strings.Join(deny, ", ")
			}
			rules = append(rules, Rule{Field: "san " + t, Rule: "allow", Detail: d})
		}
	}
	rules = append(rules,
		Rule{Field: "keyTypes", Rule: "allow", Detail: strings.Join(p.keyTypes, ", ")},
		Rule{Field: "maxValidity", Rule: "max", Detail: p.maxValidityText},
		Rule{Field: "profiles", Rule: "allow", Detail: strings.Join(p.profiles, ", ")},
	)
	return rules
}

// FillMatch returns subject with every empty field whose rule is "match"
// filled with the issuer's value, for "ca issue", which makes the request
// itself. It fills C, ST, L, O, OU, CN, serialNumber, street and
// postalCode; other fields are left as they are.
func (p *Policy) FillMatch(subject pkix.Name, issuer pkix.Name) pkix.Name {
	out := subject
	for _, f := range p.subject {
		if f.rule != ruleMatch {
			continue
		}
		switch f.name {
		case "C":
			fillSlice(&out.Country, issuer.Country)
		case "ST":
			fillSlice(&out.Province, issuer.Province)
		case "L":
			fillSlice(&out.Locality, issuer.Locality)
		case "O":
			fillSlice(&out.Organization, issuer.Organization)
		case "OU":
			fillSlice(&out.OrganizationalUnit, issuer.OrganizationalUnit)
		case "street":
			fillSlice(&out.StreetAddress, issuer.StreetAddress)
		case "postalCode":
			fillSlice(&out.PostalCode, issuer.PostalCode)
		case "CN":
			if out.CommonName == "" {
				out.CommonName = issuer.CommonName
			}
		case "serialNumber":
			if out.SerialNumber == "" {
				out.SerialNumber = issuer.SerialNumber
			}
		}
	}
	return out
}

func fillSlice(dst *[]string, from []string) {
	if len(*dst) == 0 && len(from) > 0 {
		*dst = slices.Clone(from)
	}
}

// Subject returns the subject to put in the certificate for r: r's
// attributes, less those the policy does not name when its unlisted rule is
// "drop". Attribute types pkix.Name has no field for go in ExtraNames;
// emailAddress and domainComponent values go there as asn1.RawValue
// IA5Strings, the type RFC 5280 (Appendix A) and RFC 4519 (2.4) give them,
// since crypto/x509 would encode a string as a PrintableString or a
// UTF8String. Call it after Judge has passed r (which refuses non-ASCII
// values of those types).
func (p *Policy) Subject(r Request) pkix.Name {
	var kept pkix.RDNSequence
	var extra []pkix.AttributeTypeAndValue
	for _, rdn := range r.Subject {
		var set pkix.RelativeDistinguishedNameSET
		for _, atv := range rdn {
			name := attrNameOf(atv.Type)
			if p.unlisted == unlistedDrop && p.field(name) == nil {
				continue
			}
			set = append(set, atv)
			if !pkixField(atv.Type) {
				if s, ok := atv.Value.(string); ok && ia5Attr(atv.Type) {
					atv.Value = asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagIA5String, Bytes: []byte(s)}
				}
				extra = append(extra, atv)
			}
		}
		if len(set) > 0 {
			kept = append(kept, set)
		}
	}
	var n pkix.Name
	n.FillFromRDNSequence(&kept)
	n.ExtraNames = extra
	return n
}

// Attribute types whose values are IA5Strings.
var (
	oidEmailAddress    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}       // RFC 5280, Appendix A
	oidDomainComponent = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25} // RFC 4519, 2.4
)

// ia5Attr reports whether values of the attribute type are IA5Strings.
func ia5Attr(oid asn1.ObjectIdentifier) bool {
	return oid.Equal(oidEmailAddress) || oid.Equal(oidDomainComponent)
}

// pkixField reports whether pkix.Name has a field for the attribute type.
func pkixField(oid asn1.ObjectIdentifier) bool {
	if len(oid) != 4 || oid[0] != 2 || oid[1] != 5 || oid[2] != 4 {
		return false
	}
	switch oid[3] {
	case 3, 5, 6, 7, 8, 9, 10, 11, 17:
		return true
	}
	return false
}
