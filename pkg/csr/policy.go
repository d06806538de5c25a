package csr

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
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

// ParsePolicy reads a policy.json (see the spec's "Policy" section). It is
// strict: unknown keys, a key given twice, values of the wrong type,
// unknown rules, SAN types, key types or profiles, bad regular
// expressions, CIDRs or DNS patterns, and a bad maxValidity are errors that
// name the line of the problem, e.g.
// `csr: policy.json line 4: rule "sometimes" for OU is not one of match, supplied, optional, forbidden`.
// Absent keys take DefaultPolicy's values, except that an absent "subject"
// names no field and an absent "san" allows no SAN. Errors wrap ErrBadPolicy.
func ParsePolicy(data []byte) (*Policy, error) {
	if len(data) > MaxInputSize {
		return nil, &policyFileError{msg: fmt.Sprintf("the file is %d bytes, over the %d-byte limit", len(data), MaxInputSize)}
	}
	root, err := parseJSONTree(data)
	if err != nil {
		return nil, err
	}
	pp := policyParser{data: data}
	return pp.policy(root)
}

type policyParser struct {
	data []byte
}

func (pp *policyParser) errAt(v *jsonValue, format string, args ...any) error {
	return posError(pp.data, v.off, fmt.Sprintf(format, args...))
}

func (pp *policyParser) errAtKey(m jsonMember, format string, args ...any) error {
	return posError(pp.data, m.off, fmt.Sprintf(format, args...))
}

func (pp *policyParser) want(v *jsonValue, kind jsonKind, what string) error {
	if v.kind != kind {
		return pp.errAt(v, "%s must be %s, not %s", what, kind, v.kind)
	}
	return nil
}

func (pp *policyParser) strings(v *jsonValue, what string) ([]string, error) {
	if err := pp.want(v, jsonArray, what); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(v.elems))
	for _, e := range v.elems {
		if err := pp.want(e, jsonString, "each entry of "+what); err != nil {
			return nil, err
		}
		if slices.Contains(out, e.text) {
			return nil, pp.errAt(e, "%s lists %q twice", what, e.text)
		}
		out = append(out, e.text)
	}
	return out, nil
}

func unknownKey(key string, known ...string) string {
	return fmt.Sprintf("unknown key %q; the keys here are %s", key, strings.Join(known, ", "))
}

func (pp *policyParser) policy(root *jsonValue) (*Policy, error) {
	if err := pp.want(root, jsonObject, "the policy"); err != nil {
		return nil, err
	}
	p := DefaultPolicy(pkix.Name{})
	p.subject = nil
	p.san = map[string]*sanPolicy{}
	for _, m := range root.members {
		var err error
		switch m.key {
		case "subject":
			err = pp.subject(p, m.val)
		case "unlisted":
			if err = pp.want(m.val, jsonString, "unlisted"); err == nil {
				if m.val.text != unlistedReject && m.val.text != unlistedDrop {
					err = pp.errAt(m.val, "unlisted %q is not one of reject, drop", m.val.text)
				}
				p.unlisted = m.val.text
			}
		case "san":
			err = pp.sans(p, m.val)
		case "keyTypes":
			p.keyTypes, err = pp.keyTypes(m.val)
		case "maxValidity":
			if err = pp.want(m.val, jsonString, "maxValidity"); err == nil {
				var d time.Duration
				if d, err = ParseDuration(m.val.text); err != nil {
					err = pp.errAt(m.val, "maxValidity: %s", strings.TrimPrefix(err.Error(), "csr: "))
				}
				p.maxValidity, p.maxValidityText = d, m.val.text
			}
		case "profiles":
			p.profiles, err = pp.profiles(m.val)
		default:
			err = pp.errAtKey(m, "%s", unknownKey(m.key, "subject", "unlisted", "san", "keyTypes", "maxValidity", "profiles"))
		}
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (pp *policyParser) subject(p *Policy, v *jsonValue) error {
	if err := pp.want(v, jsonObject, "subject"); err != nil {
		return err
	}
	for _, m := range v.members {
		a, known := attrByName(m.key)
		name := a.name
		if !known {
			oid, ok := parseOID(m.key)
			if !ok {
				return pp.errAtKey(m, "unknown subject field %q; use C, ST, L, O, OU, CN, serialNumber, street, postalCode, emailAddress or a dotted OID", m.key)
			}
			name = oid.String()
		}
		if p.field(name) != nil {
			return pp.errAtKey(m, "subject field %s is named twice", name)
		}
		f := &fieldPolicy{name: name}
		switch m.val.kind {
		case jsonString:
			f.rule = m.val.text
			if !slices.Contains(subjectRules, f.rule) {
				return pp.errAt(m.val, "rule %q for %s is not one of %s", f.rule, name, strings.Join(subjectRules, ", "))
			}
		case jsonObject:
			if err := pp.fieldObject(f, m.val); err != nil {
				return err
			}
		default:
			return pp.errAt(m.val, "the rule for %s must be a string or an object, not %s", name, m.val.kind)
		}
		p.subject = append(p.subject, f)
	}
	return nil
}

func (pp *policyParser) fieldObject(f *fieldPolicy, v *jsonValue) error {
	hasRule := false
	for _, m := range v.members {
		switch m.key {
		case "rule":
			if err := pp.want(m.val, jsonString, "rule"); err != nil {
				return err
			}
			f.rule, hasRule = m.val.text, true
			if !slices.Contains(subjectRules, f.rule) {
				return pp.errAt(m.val, "rule %q for %s is not one of %s", f.rule, f.name, strings.Join(subjectRules, ", "))
			}
		case "allow":
			l, err := pp.strings(m.val, "allow for "+f.name)
			if err != nil {
				return err
			}
			if len(l) == 0 {
				return pp.errAt(m.val, "allow for %s is empty; list the allowed values, or make the field forbidden", f.name)
			}
			f.allow = l
		case "pattern":
			if err := pp.want(m.val, jsonString, "pattern"); err != nil {
				return err
			}
			// Check the pattern as written, then anchor it: a pattern must
			// match the whole value.
			_, err := regexp.Compile(m.val.text)
			var re *regexp.Regexp
			if err == nil {
				re, err = regexp.Compile(`^(?:` + m.val.text + `)$`)
			}
			if err != nil {
				return pp.errAt(m.val, "pattern for %s is not a valid regular expression: %v", f.name, err)
			}
			f.pattern, f.re = m.val.text, re
		case "maxLength":
			n, err := strconv.Atoi(m.val.text)
			if m.val.kind != jsonNumber || err != nil || n <= 0 {
				return pp.errAt(m.val, "maxLength for %s must be a positive whole number", f.name)
			}
			f.maxLength = n
		default:
			return pp.errAtKey(m, "%s", unknownKey(m.key, "rule", "allow", "pattern", "maxLength"))
		}
	}
	if !hasRule {
		return pp.errAt(v, "the rule object for %s has no \"rule\"; add one of %s", f.name, strings.Join(subjectRules, ", "))
	}
	return nil
}

func (pp *policyParser) sans(p *Policy, v *jsonValue) error {
	if err := pp.want(v, jsonObject, "san"); err != nil {
		return err
	}
	for _, m := range v.members {
		if !slices.Contains(sanTypes, m.key) {
			return pp.errAtKey(m, "unknown SAN type %q; the types are %s", m.key, strings.Join(sanTypes, ", "))
		}
		sp := &sanPolicy{}
		switch m.val.kind {
		case jsonString:
			if m.val.text != "any" {
				return pp.errAt(m.val, "the rule for san %s must be \"any\" or an object with allow and deny lists, not %q", m.key, m.val.text)
			}
			sp.any = true
		case jsonObject:
			hasAllow := false
			for _, e := range m.val.members {
				var l []string
				var err error
				switch e.key {
				case "allow", "deny":
					l, err = pp.strings(e.val, fmt.Sprintf("%s for san %s", e.key, m.key))
				default:
					err = pp.errAtKey(e, "%s", unknownKey(e.key, "allow", "deny"))
				}
				if err != nil {
					return err
				}
				for i, s := range l {
					if err := pp.sanEntry(sp, m.key, e.key, s, e.val.elems[i]); err != nil {
						return err
					}
				}
				if e.key == "allow" {
					if len(l) == 0 {
						return pp.errAt(e.val, "allow for san %s is empty; to refuse every %s name, leave %s out of san", m.key, m.key, m.key)
					}
					hasAllow = true
				}
			}
			if !hasAllow {
				return pp.errAt(m.val, "the rule for san %s has no allow list; add one, or use \"any\"", m.key)
			}
		default:
			return pp.errAt(m.val, "the rule for san %s must be \"any\" or an object, not %s", m.key, m.val.kind)
		}
		p.san[m.key] = sp
	}
	return nil
}

// sanEntry checks and stores one allow or deny entry of a SAN rule.
func (pp *policyParser) sanEntry(sp *sanPolicy, typ, list, s string, at *jsonValue) error {
	add := func(v string) {
		if list == "allow" {
			sp.allow = append(sp.allow, v)
		} else {
			sp.deny = append(sp.deny, v)
		}
	}
	switch typ {
	case sanDNS:
		if p := hostnameProblem(s, true); p != "" {
			return pp.errAt(at, "%s entry %q for san dns %s; write a hostname or *.domain", list, s, p)
		}
	case sanEmail:
		if p := hostnameProblem(s, false); p != "" {
			return pp.errAt(at, "%s entry %q for san email %s; write a domain such as example.com", list, s, p)
		}
	case sanURI:
		prefix := strings.TrimSuffix(s, "*")
		if prefix == "" || strings.Contains(prefix, "*") {
			return pp.errAt(at, "%s entry %q for san uri: write a URI, optionally ending in * to match a prefix", list, s)
		}
		for i := 0; i < len(s); i++ {
			if s[i] <= ' ' || s[i] >= 0x7f {
				return pp.errAt(at, "%s entry %q for san uri contains spaces, control or non-ASCII characters", list, s)
			}
		}
	case sanIP:
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			return pp.errAt(at, "%s entry %q for san ip is not a CIDR range (write 10.0.0.0/8, or 10.0.0.1/32 for one address)", list, s)
		}
		if list == "allow" {
			sp.allowNets, sp.allowTexts = append(sp.allowNets, n), append(sp.allowTexts, s)
		} else {
			sp.denyNets, sp.denyTexts = append(sp.denyNets, n), append(sp.denyTexts, s)
		}
		return nil
	}
	add(s)
	return nil
}

func (pp *policyParser) keyTypes(v *jsonValue) ([]string, error) {
	l, err := pp.strings(v, "keyTypes")
	if err != nil {
		return nil, err
	}
	if len(l) == 0 {
		return nil, pp.errAt(v, "keyTypes is empty; list at least one of %s", strings.Join(allKeyTypes, ", "))
	}
	for i, k := range l {
		if !validKeyTypeName(k) {
			return nil, pp.errAt(v.elems[i], "unknown key type %q; use %s", k, strings.Join(allKeyTypes, ", "))
		}
	}
	return l, nil
}

// validKeyTypeName accepts the six key types and rsa-<bits> for the RSA
// sizes that are accepted at all.
func validKeyTypeName(k string) bool {
	if slices.Contains(allKeyTypes, k) {
		return true
	}
	bits, ok := strings.CutPrefix(k, "rsa-")
	if !ok {
		return false
	}
	n, err := strconv.Atoi(bits)
	return err == nil && strconv.Itoa(n) == bits && n >= minRSABits && n <= maxRSABits && n%8 == 0
}

func (pp *policyParser) profiles(v *jsonValue) ([]string, error) {
	l, err := pp.strings(v, "profiles")
	if err != nil {
		return nil, err
	}
	if len(l) == 0 {
		return nil, pp.errAt(v, "profiles is empty; list at least one of %s", strings.Join(allProfiles, ", "))
	}
	for i, s := range l {
		if !slices.Contains(allProfiles, s) {
			return nil, pp.errAt(v.elems[i], "unknown profile %q; use %s", s, strings.Join(allProfiles, ", "))
		}
	}
	return l, nil
}

// parseOID parses a dotted OID such as "2.5.4.5".
func parseOID(s string) (asn1.ObjectIdentifier, bool) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return nil, false
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for i, part := range parts {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 || strconv.Itoa(n) != part {
			return nil, false
		}
		oid[i] = n
	}
	if oid[0] > 2 || (oid[0] < 2 && oid[1] > 39) {
		return nil, false
	}
	return oid, true
}

// MarshalJSON writes the policy in the shape ParsePolicy reads and the
// spec shows: a bare string for a subject rule without allow, pattern or
// maxLength, an object otherwise; "any" or {"allow", "deny"} per SAN type.
// The output parses back to an equal policy.
func (p *Policy) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	str := func(s string) {
		out, _ := json.Marshal(s)
		b.Write(out)
	}
	list := func(l []string) {
		if l == nil {
			l = []string{}
		}
		out, _ := json.Marshal(l)
		b.Write(out)
	}
	b.WriteString(`{"subject":{`)
	for i, f := range p.subject {
		if i > 0 {
			b.WriteByte(',')
		}
		str(f.name)
		b.WriteByte(':')
		if f.allow == nil && f.re == nil && f.maxLength == 0 {
			str(f.rule)
			continue
		}
		b.WriteString(`{"rule":`)
		str(f.rule)
		if f.allow != nil {
			b.WriteString(`,"allow":`)
			list(f.allow)
		}
		if f.re != nil {
			b.WriteString(`,"pattern":`)
			str(f.pattern)
		}
		if f.maxLength != 0 {
			fmt.Fprintf(&b, `,"maxLength":%d`, f.maxLength)
		}
		b.WriteByte('}')
	}
	b.WriteString(`},"unlisted":`)
	str(p.unlisted)
	b.WriteString(`,"san":{`)
	first := true
	for _, t := range sanTypes {
		sp := p.san[t]
		if sp == nil {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		str(t)
		b.WriteByte(':')
		if sp.any {
			str("any")
			continue
		}
		allow, deny := sp.allow, sp.deny
		if t == sanIP {
			allow, deny = sp.allowTexts, sp.denyTexts
		}
		b.WriteString(`{"allow":`)
		list(allow)
		if len(deny) > 0 {
			b.WriteString(`,"deny":`)
			list(deny)
		}
		b.WriteByte('}')
	}
	b.WriteString(`},"keyTypes":`)
	list(p.keyTypes)
	b.WriteString(`,"maxValidity":`)
	str(p.maxValidityText)
	b.WriteString(`,"profiles":`)
	list(p.profiles)
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Rule is one line of "ca policy show": the field it governs ("subject CN",
// "unlisted", "san dns", "keyTypes", "maxValidity", "profiles"), the rule,
// and its detail (allow lists, pattern, limits).
type Rule struct {
	Field  string
	Rule   string
	Detail string
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
