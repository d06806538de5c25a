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

// The policy file (policy.json, SPEC.md "Policy"): ParsePolicy reads it,
// strictly, from the tree policyjson.go builds; MarshalJSON writes it.

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
