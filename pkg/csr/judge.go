package csr

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// Env is what the policy needs to know about the signing context: the
// profile and what it grants, the validity asked for, and the issuer.
type Env struct {
	// Profile is the profile asked for: "server", "client" or "device".
	Profile string
	// KeyUsage and ExtKeyUsage are what the profile grants; a request may
	// ask for a subset of them and no more.
	KeyUsage    x509.KeyUsage
	ExtKeyUsage []x509.ExtKeyUsage
	// RequireSAN: at least one DNS or IP SAN (server).
	RequireSAN bool
	// CNMustBeSAN: a CN must be among the DNS or IP SANs (server, device).
	CNMustBeSAN bool
	// Validity is the validity asked for; it must be positive and at most
	// the policy's maxValidity.
	Validity time.Duration
	// Issuer is the issuing certificate: its subject is what "match"
	// compares with, and its name constraints are enforced. Nil means an
	// issuer with an empty subject and no constraints.
	Issuer *x509.Certificate
	// Chain is the issuer's parents up to the root, nearest first (empty
	// for a root); the issuer itself may lead it, as in ca.Issuer.Chain.
	// Their name constraints are enforced too, as verifiers enforce those
	// of every CA in the path.
	Chain []*x509.Certificate
	// IssuerKeys are the public keys of all the home's issuers: a request
	// carrying one of them is refused.
	IssuerKeys []crypto.PublicKey
	// MaxSANs limits the number of SANs; 0 means MaxSANs.
	MaxSANs int
}

// Check is one rule applied to one value, and its outcome: Field is what
// the rule governs ("subject CN", "san dns", "key", "extension", ...),
// Rule its name, Value the value judged, Reason the explanation (on a
// failure, what to change).
type Check struct {
	Field  string `json:"field"`
	Rule   string `json:"rule"`
	Value  string `json:"value"`
	Pass   bool   `json:"pass"`
	Reason string `json:"reason"`
}

// Judgement lists every rule Judge checked, passing and failing, in a
// stable order: subject, SANs, profile, key, validity, extensions.
type Judgement struct {
	Checks []Check
}

// Failures returns the checks that failed, in order.
func (j Judgement) Failures() []Check {
	var out []Check
	for _, c := range j.Checks {
		if !c.Pass {
			out = append(out, c)
		}
	}
	return out
}

// Err returns nil when every check passed, else a *RefusalError with one
// *PolicyError per failed check.
func (j Judgement) Err() error {
	f := j.Failures()
	if len(f) == 0 {
		return nil
	}
	re := &RefusalError{Errors: make([]*PolicyError, len(f))}
	for i, c := range f {
		re.Errors[i] = &PolicyError{Field: c.Field, Rule: c.Rule, Value: c.Value, Reason: c.Reason}
	}
	return re
}

type judgement struct {
	checks []Check
}

func (j *judgement) add(field, rule, value string, pass bool, reason string) {
	j.checks = append(j.checks, Check{Field: field, Rule: rule, Value: value, Pass: pass, Reason: reason})
}

func (j *judgement) pass(field, rule, value, reason string) { j.add(field, rule, value, true, reason) }
func (j *judgement) fail(field, rule, value, reason string) { j.add(field, rule, value, false, reason) }

// Judge applies the policy, the profile and the rules that hold whatever the
// policy says to r, and lists every check. It never panics on odd input:
// nil keys, URIs or issuer, non-string attribute values, malformed
// extensions are all refusals.
func (p *Policy) Judge(r Request, env Env) Judgement {
	var j judgement
	if p == nil {
		j.fail("policy", "present", "", "there is no policy to judge the request by")
		return Judgement{Checks: j.checks}
	}
	cs := constrainers(env)
	p.judgeSubject(&j, r, env)
	p.judgeSubjectNames(&j, r, cs)
	p.judgeSANs(&j, r, env, cs)
	p.judgeProfile(&j, r, env)
	p.judgeKey(&j, r, env)
	p.judgeValidity(&j, env)
	judgeExtensions(&j, r, env)
	return Judgement{Checks: j.checks}
}

// subjectAttr is the values of one attribute type in a subject.
type subjectAttr struct {
	name   string
	oid    asn1.ObjectIdentifier
	values []any
}

func collectAttrs(seq pkix.RDNSequence) (order []string, attrs map[string]*subjectAttr) {
	attrs = map[string]*subjectAttr{}
	for _, rdn := range seq {
		for _, atv := range rdn {
			name := attrNameOf(atv.Type)
			a := attrs[name]
			if a == nil {
				a = &subjectAttr{name: name, oid: atv.Type}
				attrs[name] = a
				order = append(order, name)
			}
			a.values = append(a.values, atv.Value)
		}
	}
	return order, attrs
}

// issuerValues returns the issuer's subject values by attribute name.
func issuerValues(c *x509.Certificate) map[string][]string {
	out := map[string][]string{}
	if c == nil {
		return out
	}
	// A parsed certificate's Subject.Names holds every attribute of its
	// subject, in order, as x509.ParseCertificate read it from RawSubject:
	// no second parse per request. A certificate built by hand has only
	// the fields of Subject.
	atvs := c.Subject.Names
	if len(atvs) == 0 {
		for _, rdn := range c.Subject.ToRDNSequence() {
			atvs = append(atvs, rdn...)
		}
	}
	for _, atv := range atvs {
		if s, ok := atv.Value.(string); ok {
			name := attrNameOf(atv.Type)
			out[name] = append(out[name], s)
		}
	}
	return out
}

func valueString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

func (p *Policy) judgeSubject(j *judgement, r Request, env Env) {
	order, attrs := collectAttrs(r.Subject)
	issuer := issuerValues(env.Issuer)
	for _, f := range p.subject {
		a := attrs[f.name]
		field := "subject " + f.name
		if a != nil {
			judgeAttrForm(j, a)
		}
		p.judgeFieldRule(j, f, a, issuer[f.name])
		if a == nil {
			continue
		}
		for _, v := range a.values {
			s, ok := v.(string)
			if !ok {
				continue
			}
			if f.allow != nil {
				if slices.Contains(f.allow, s) {
					j.pass(field, "allow", s, "in the allow list")
				} else {
					j.fail(field, "allow", s, "not one of "+strings.Join(f.allow, ", "))
				}
			}
			if f.re != nil {
				if f.re.MatchString(s) {
					j.pass(field, "pattern", s, "matches "+f.pattern)
				} else {
					j.fail(field, "pattern", s, "does not match the pattern "+f.pattern)
				}
			}
			if f.maxLength > 0 {
				if n := utf8.RuneCountInString(s); n > f.maxLength {
					j.fail(field, "maxLength", s, fmt.Sprintf("%d characters, over the policy's maxLength of %d", n, f.maxLength))
				} else {
					j.pass(field, "maxLength", s, fmt.Sprintf("%d characters, at most %d", n, f.maxLength))
				}
			}
			if a.oid.Equal(oidEmailAddress) {
				judgeEmailInSAN(j, s, r.EmailAddresses)
			}
		}
	}
	for _, name := range order {
		if p.field(name) != nil {
			continue
		}
		a := attrs[name]
		judgeAttrForm(j, a)
		field := "subject " + name
		value := valueString(a.values[0])
		if p.unlisted == unlistedDrop {
			j.pass(field, "unlisted", value, "dropped")
		} else {
			j.fail(field, "unlisted", value, fmt.Sprintf("the policy does not name %s; remove it from the request, or add it to the policy's subject", name))
		}
	}
}

// judgeFieldRule applies match, supplied, optional or forbidden.
func (p *Policy) judgeFieldRule(j *judgement, f *fieldPolicy, a *subjectAttr, issuer []string) {
	field := "subject " + f.name
	present := a != nil
	value := ""
	if present {
		value = valueString(a.values[0])
	}
	switch f.rule {
	case ruleMatch:
		switch {
		case len(issuer) == 0 && !present:
			j.pass(field, ruleMatch, value, "absent, as in the issuer")
		case len(issuer) == 0:
			j.fail(field, ruleMatch, value, fmt.Sprintf("the issuer has no %s, so the request must not have one; remove it", f.name))
		case !present:
			j.fail(field, ruleMatch, value, fmt.Sprintf("missing; it must be %q, as in the issuer", issuer[0]))
		case slices.Contains(issuer, value):
			j.pass(field, ruleMatch, value, "equal to the issuer's")
		default:
			j.fail(field, ruleMatch, value, fmt.Sprintf("must be %q, as in the issuer", issuer[0]))
		}
	case ruleSupplied:
		switch {
		case !present:
			j.fail(field, ruleSupplied, value, fmt.Sprintf("missing; the request must give a %s", f.name))
		case strings.TrimSpace(value) == "":
			j.fail(field, ruleSupplied, value, fmt.Sprintf("empty; the request must give a %s", f.name))
		default:
			j.pass(field, ruleSupplied, value, "present")
		}
	case ruleOptional:
		j.pass(field, ruleOptional, value, "optional")
	case ruleForbidden:
		if present {
			j.fail(field, ruleForbidden, value, fmt.Sprintf("the policy forbids %s; remove it", f.name))
		} else {
			j.pass(field, ruleForbidden, value, "absent")
		}
	}
}

// judgeAttrForm applies the rules that hold for every attribute whatever
// the policy says: once per DN, a string without control characters,
// ASCII for the IA5String types (emailAddress, domainComponent), within
// RFC 5280's upper bound, and C as two upper-case letters.
func judgeAttrForm(j *judgement, a *subjectAttr) {
	field := "subject " + a.name
	if len(a.values) > 1 {
		vals := make([]string, len(a.values))
		for i, v := range a.values {
			vals[i] = valueString(v)
		}
		j.fail(field, "unique", strings.Join(vals, ", "),
			fmt.Sprintf("the subject has %d %s attributes; give %s once", len(a.values), a.name, a.name))
	} else {
		j.pass(field, "unique", valueString(a.values[0]), "given once")
	}
	known, _ := attrByName(a.name)
	for _, v := range a.values {
		s, ok := v.(string)
		if !ok {
			j.fail(field, "printable", valueString(v), fmt.Sprintf("the value is not a string (%T)", v))
			continue
		}
		if reason := controlProblem(s); reason != "" {
			j.fail(field, "printable", s, reason)
		} else {
			j.pass(field, "printable", s, "no control characters")
		}
		if ia5Attr(a.oid) {
			if isASCII(s) {
				j.pass(field, "ia5String", s, "ASCII, encoded as an IA5String")
			} else {
				j.fail(field, "ia5String", s, fmt.Sprintf("contains non-ASCII characters, but %s is an IA5String (ASCII only); write it in ASCII (A-labels for domain names)", a.name))
			}
		}
		if a.name == "C" {
			if IsCountryCode(s) {
				j.pass(field, "country", s, "two upper-case letters")
			} else {
				j.fail(field, "country", s, "must be a two-letter upper-case ISO 3166 country code, e.g. DE")
			}
		} else if known.max > 0 {
			if n := utf8.RuneCountInString(s); n > known.max {
				j.fail(field, "length", s, fmt.Sprintf("%d characters, over RFC 5280's limit of %d for %s", n, known.max, a.name))
			} else {
				j.pass(field, "length", s, fmt.Sprintf("at most %d characters", known.max))
			}
		}
	}
}

// judgeEmailInSAN applies RFC 5280, 4.1.2.6 to a subject emailAddress the
// certificate would carry: it must also be an email SAN, exactly as
// written (zlint e_subj_email_not_in_san compares them as strings).
func judgeEmailInSAN(j *judgement, addr string, sans []string) {
	const field = "subject emailAddress"
	if slices.Contains(sans, addr) {
		j.pass(field, "emailInSAN", addr, "also an email SAN")
		return
	}
	reason := "not among the request's email SANs; an address in the subject must also be an email SAN (RFC 5280, 4.1.2.6): add it as an email SAN, or remove it from the subject"
	for _, san := range sans {
		if strings.EqualFold(san, addr) {
			reason = fmt.Sprintf("not among the request's email SANs as written (the SAN is %q); an address in the subject must also be an email SAN, letter for letter (RFC 5280, 4.1.2.6): write both alike", san)
			break
		}
	}
	j.fail(field, "emailInSAN", addr, reason)
}

// IsCountryCode reports whether s has the form of an ISO 3166 country
// code as a certificate's C carries it: two upper-case letters.
func IsCountryCode(s string) bool { return len(s) == 2 && isUpper(s[0]) && isUpper(s[1]) }

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// DNValueProblem says why s cannot be a value of a distinguished name
// (not UTF-8, a NUL or another control character, C0 or C1), or "" when it
// can. Commands that build a DN from user input refuse such a value before
// anything else; the policy's "printable" rule says the same of a request.
func DNValueProblem(s string) string { return controlProblem(s) }

// controlProblem says why s is not acceptable text in a DN, or "".
func controlProblem(s string) string {
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	for _, r := range s {
		switch {
		case r == 0:
			return "contains a NUL character"
		case r < 0x20, r >= 0x7f && r <= 0x9f:
			return "contains a control character"
		}
	}
	return ""
}

// judgeSANs judges the request's SANs: their number and types, then each
// name by type (form, the policy's rule, the name constraints above).
func (p *Policy) judgeSANs(j *judgement, r Request, env Env, cs []constrainer) {
	if !judgeSANCount(j, r, env) {
		return
	}
	for _, name := range r.DNSNames {
		p.judgeDNSName(j, name, cs)
	}
	for _, ip := range r.IPAddresses {
		p.judgeIP(j, ip, cs)
	}
	for _, addr := range r.EmailAddresses {
		p.judgeEmail(j, addr, cs)
	}
	for _, u := range r.URIs {
		p.judgeURI(j, u, cs)
	}
}

// judgeSANCount checks the number of SANs against the limit and refuses
// SAN types other than DNS, IP, email and URI; false when there are too
// many to judge one by one.
func judgeSANCount(j *judgement, r Request, env Env) bool {
	limit := env.MaxSANs
	if limit <= 0 {
		limit = MaxSANs
	}
	// Count first, so a request with thousands of names is refused
	// before any per-name work.
	count := len(r.DNSNames) + len(r.IPAddresses) + len(r.EmailAddresses) + len(r.URIs)
	var others []string
	if count <= limit {
		others = otherSANTypes(r.Extensions)
		count += len(others)
	}
	if count > limit {
		j.fail("san", "maxSANs", strconv.Itoa(count), fmt.Sprintf("%d names, over the limit of %d; split the request", count, limit))
		return false
	}
	j.pass("san", "maxSANs", strconv.Itoa(count), fmt.Sprintf("at most %d names", limit))
	for _, o := range others {
		j.fail("san", "sanType", o, "only DNS, IP, email and URI names are taken; remove this name from the request")
	}
	return true
}

func (p *Policy) judgeDNSName(j *judgement, name string, cs []constrainer) {
	field := "san " + sanDNS
	if rule, reason := hostnameCheck(name, true); reason != "" {
		j.fail(field, rule, name, "the name "+reason)
		return
	}
	j.pass(field, "hostname", name, "a valid hostname")
	p.judgeSANPolicy(j, sanDNS, name, func(e string) bool { return dnsPatternMatch(e, name) }, nil)
	for _, c := range cs {
		if hasDNSConstraints(c.cert) {
			judgeConstraint(j, field, name, c.name, dnsConstraintProblem(c.cert, c.name, name))
		}
	}
}

func (p *Policy) judgeIP(j *judgement, ip net.IP, cs []constrainer) {
	field := "san " + sanIP
	value := ipString(ip)
	if len(ip) != net.IPv4len && len(ip) != net.IPv6len {
		j.fail(field, "address", value, fmt.Sprintf("an IP address is 4 or 16 bytes, not %d", len(ip)))
		return
	}
	j.pass(field, "address", value, "a valid IP address")
	p.judgeSANPolicy(j, sanIP, value, nil, ip)
	for _, c := range cs {
		if hasIPConstraints(c.cert) {
			judgeConstraint(j, field, value, c.name, ipConstraintProblem(c.cert, c.name, ip))
		}
	}
}

func (p *Policy) judgeEmail(j *judgement, addr string, cs []constrainer) {
	field := "san " + sanEmail
	if reason := emailProblem(addr); reason != "" {
		j.fail(field, "addrSpec", addr, "the address "+reason)
		return
	}
	j.pass(field, "addrSpec", addr, "a valid address")
	domain := emailDomain(addr)
	p.judgeSANPolicy(j, sanEmail, addr, func(e string) bool { return strings.EqualFold(e, domain) }, nil)
	for _, c := range cs {
		if hasEmailConstraints(c.cert) {
			judgeConstraint(j, field, addr, c.name, emailConstraintProblem(c.cert, c.name, addr))
		}
	}
}

func (p *Policy) judgeURI(j *judgement, u *url.URL, cs []constrainer) {
	field := "san " + sanURI
	value := ""
	if u != nil {
		value = u.String()
	}
	if reason := uriProblem(u); reason != "" {
		j.fail(field, "uri", value, "the URI "+reason)
		return
	}
	j.pass(field, "uri", value, "an absolute URI")
	ok, reason := uriHostCheck(value)
	if !ok {
		j.fail(field, "uriHost", value, "the URI "+reason)
		return
	}
	j.pass(field, "uriHost", value, reason)
	p.judgeSANPolicy(j, sanURI, value, func(e string) bool { return uriPatternMatch(e, value) }, nil)
	for _, c := range cs {
		if hasURIConstraints(c.cert) {
			judgeConstraint(j, field, value, c.name, uriConstraintProblem(c.cert, c.name, u))
		}
	}
}

// judgeConstraint records the nameConstraints check of value against the
// constraints of the CA named who; problem is "" when value is within them.
func judgeConstraint(j *judgement, field, value, who, problem string) {
	if problem != "" {
		j.fail(field, "nameConstraints", value, problem)
	} else {
		j.pass(field, "nameConstraints", value, "within the name constraints of "+who)
	}
}

// judgeSubjectNames applies the rules that hold for the subject as a
// whole, as the certificate would carry it (after the policy's drops):
// RFC 5280, 4.1.2.6 wants a subject or a SAN (zlint
// e_subject_empty_without_san); and without a DNS SAN, OpenSSL checks a CN
// that looks like a hostname against the DNS name constraints of every CA
// above the certificate, so such a CN must be within them.
func (p *Policy) judgeSubjectNames(j *judgement, r Request, cs []constrainer) {
	subject := p.Subject(r)
	sans := len(r.DNSNames) + len(r.IPAddresses) + len(r.EmailAddresses) + len(r.URIs)
	switch n := len(subject.ToRDNSequence()); {
	case n > 0:
		j.pass("subject", "subjectOrSAN", subject.String(), fmt.Sprintf("%d attributes in the certificate's subject", n))
	case sans > 0:
		j.pass("subject", "subjectOrSAN", "", "empty, but the request has SANs (then marked critical)")
	default:
		reason := "the subject is empty and the request has no SAN, so the certificate would name no one (RFC 5280, 4.1.2.6); give a subject field such as CN, or a SAN"
		if len(r.Subject) > 0 {
			reason = "the certificate's subject would be empty (every field of the request is empty or dropped by the policy) and the request has no SAN, so it would name no one (RFC 5280, 4.1.2.6); give a subject field the policy names (such as CN), or a SAN"
		}
		j.fail("subject", "subjectOrSAN", "", reason)
	}

	if len(r.DNSNames) > 0 {
		return
	}
	var dnsCs []constrainer
	for _, c := range cs {
		if hasDNSConstraints(c.cert) {
			dnsCs = append(dnsCs, c)
		}
	}
	if len(dnsCs) == 0 {
		return
	}
	// The CNs the certificate would carry: a CN the policy drops is not checked.
	for _, atv := range subject.Names {
		cn, ok := atv.Value.(string)
		if !ok || attrNameOf(atv.Type) != "CN" || !cnLooksLikeHostname(cn) {
			continue
		}
		for _, c := range dnsCs {
			problem := dnsConstraintProblem(c.cert, c.name, cn)
			if problem != "" {
				problem = "the CN looks like a hostname and the request has no DNS SAN, so verifiers such as OpenSSL check it as a DNS name: it is " +
					problem + "; use a CN within them or one that is not a hostname, or add a DNS SAN within them"
			}
			judgeConstraint(j, "subject CN", cn, c.name, problem)
		}
	}
}

// judgeSANPolicy applies the policy's rule for a SAN type to one valid
// name: match tells whether an allow or deny entry matches it (for IPs, ip
// is matched against the CIDRs instead).
func (p *Policy) judgeSANPolicy(j *judgement, typ, value string, match func(string) bool, ip net.IP) {
	field := "san " + typ
	sp := p.san[typ]
	if sp == nil {
		j.fail(field, "sanType", value, fmt.Sprintf("the policy has no rule for %s, so they are refused; remove the name or add a %q rule to the policy's san", sanNouns[typ], typ))
		return
	}
	if sp.any {
		j.pass(field, "any", value, "the policy allows all valid "+sanNouns[typ])
		return
	}
	allowed, denied := "", ""
	if ip != nil {
		for i, n := range sp.allowNets {
			if n.Contains(ip) {
				allowed = sp.allowTexts[i]
				break
			}
		}
		for i, n := range sp.denyNets {
			if n.Contains(ip) {
				denied = sp.denyTexts[i]
				break
			}
		}
	} else {
		for _, e := range sp.allow {
			if match(e) {
				allowed = e
				break
			}
		}
		for _, e := range sp.deny {
			if match(e) {
				denied = e
				break
			}
		}
	}
	allowList := sp.allow
	if ip != nil {
		allowList = sp.allowTexts
	}
	if allowed != "" {
		j.pass(field, "allow", value, fmt.Sprintf("matches %q", allowed))
	} else {
		j.fail(field, "allow", value, "matches none of "+strings.Join(allowList, ", "))
	}
	if denied != "" {
		j.fail(field, "deny", value, fmt.Sprintf("matches the deny entry %q", denied))
	} else {
		j.pass(field, "deny", value, "matches no deny entry")
	}
}

func (p *Policy) judgeProfile(j *judgement, r Request, env Env) {
	switch {
	case env.Profile == "":
		j.fail("profile", "profiles", "", "no profile given; use one of "+strings.Join(p.profiles, ", "))
	case slices.Contains(p.profiles, env.Profile):
		j.pass("profile", "profiles", env.Profile, "allowed by the policy")
	default:
		j.fail("profile", "profiles", env.Profile, "the policy allows only "+strings.Join(p.profiles, ", "))
	}
	if env.RequireSAN {
		if len(r.DNSNames)+len(r.IPAddresses) > 0 {
			j.pass("san", "requireSAN", "", "has a DNS or IP name")
		} else {
			j.fail("san", "requireSAN", "", fmt.Sprintf("a %s certificate needs at least one DNS or IP SAN; add one", profileName(env.Profile)))
		}
	}
	if env.CNMustBeSAN {
		for _, rdn := range r.Subject {
			for _, atv := range rdn {
				if !atv.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 3}) {
					continue
				}
				cn := valueString(atv.Value)
				switch san := otherSpellingSAN(cn, r); {
				case cnInSANs(cn, r):
					j.pass("subject CN", "cnInSAN", cn, "among the SANs")
				case san != "":
					j.fail("subject CN", "cnInSAN", cn, fmt.Sprintf("names the SAN %q in another spelling; write the CN exactly as the SAN", san))
				default:
					j.fail("subject CN", "cnInSAN", cn, fmt.Sprintf("a %s certificate's CN must also be one of its DNS or IP SANs; add it as a SAN", profileName(env.Profile)))
				}
			}
		}
	}
}

// cnInSANs reports whether cn is, letter for letter, one of r's DNS SANs,
// or one of its IP SANs (the BR lint e_subject_common_name_not_exactly_from_san).
func cnInSANs(cn string, r Request) bool {
	if slices.Contains(r.DNSNames, cn) {
		return true
	}
	for _, ip := range r.IPAddresses {
		if cn == ipString(ip) { // as the certificate carries it: IPv4-mapped in dotted form, IPv6 in RFC 5952 form
			return true
		}
	}
	return false
}

// otherSpellingSAN returns the SAN that cn names in another spelling (a DNS
// name but for letter case, an IP address written otherwise), or "".
func otherSpellingSAN(cn string, r Request) string {
	for _, d := range r.DNSNames {
		if strings.EqualFold(d, cn) {
			return d
		}
	}
	if a, err := netip.ParseAddr(cn); err == nil {
		for _, ip := range r.IPAddresses {
			if b, ok := netip.AddrFromSlice(ip); ok && b.Unmap() == a.Unmap() {
				return ipString(ip)
			}
		}
	}
	return ""
}

// keyValue names a key for messages.
func keyValue(pub crypto.PublicKey) string {
	if t, err := KeyTypeOf(pub); err == nil {
		return t
	}
	if pub == nil {
		return ""
	}
	if k, ok := pub.(*ecdsa.PublicKey); ok && k != nil && k.Curve != nil {
		return "ecdsa " + k.Curve.Params().Name
	}
	return fmt.Sprintf("%T", pub)
}

func (p *Policy) judgeKey(j *judgement, r Request, env Env) {
	value := keyValue(r.PublicKey)
	if reason := keyProblem(r.PublicKey); reason != "" {
		j.fail("key", "strength", value, reason)
	} else {
		j.pass("key", "strength", value, "an acceptable key")
	}
	if t, err := KeyTypeOf(r.PublicKey); err != nil {
		j.fail("key", "keyTypes", value, "not one of the policy's key types "+strings.Join(p.keyTypes, ", "))
	} else if slices.Contains(p.keyTypes, t) {
		j.pass("key", "keyTypes", t, "allowed by the policy")
	} else {
		j.fail("key", "keyTypes", t, "the policy allows only "+strings.Join(p.keyTypes, ", "))
	}
	for _, k := range env.IssuerKeys {
		if pem.SamePublicKey(r.PublicKey, k) {
			j.fail("key", "issuerKey", value, "this is the public key of one of the CA's issuers; make a new key for the request")
			return
		}
	}
	j.pass("key", "issuerKey", value, "not an issuer's key")
}

func (p *Policy) judgeValidity(j *judgement, env Env) {
	value := formatDuration(env.Validity)
	switch {
	case env.Validity <= 0:
		j.fail("validity", "maxValidity", value, "the validity must be positive")
	case env.Validity > p.maxValidity:
		j.fail("validity", "maxValidity", value, fmt.Sprintf("longer than the policy's maxValidity of %s; ask for less", p.maxValidityText))
	default:
		j.pass("validity", "maxValidity", value, "at most "+p.maxValidityText)
	}
}

func judgeExtensions(j *judgement, r Request, env Env) {
	seen := map[string]int{}
	for _, e := range r.Extensions {
		label := extensionLabel(e.Id)
		seen[e.Id.String()]++
		if seen[e.Id.String()] == 2 {
			j.fail("extension", "unique", label, "requested twice; request each extension at most once")
		}
		switch {
		case e.Id.Equal(oidExtSAN):
			j.pass("extension", "taken", label, "the names are judged as SANs")
		case e.Id.Equal(oidExtSubjectKeyID):
			j.pass("extension", "ignored", label, "the CA sets its own subject key identifier")
		case e.Id.Equal(oidExtBasicConstraints):
			judgeExt(j, "basicConstraints", label, basicConstraintsProblem(e.Value), "CA:FALSE, not copied")
		case e.Id.Equal(oidExtKeyUsage):
			judgeExt(j, "keyUsage", label, keyUsageProblem(e.Value, env.KeyUsage, env.Profile), "granted by the profile anyway, not copied")
		case e.Id.Equal(oidExtExtKeyUsage):
			judgeExt(j, "extKeyUsage", label, extKeyUsageProblem(e.Value, env.ExtKeyUsage, env.Profile), "granted by the profile anyway, not copied")
		default:
			reason := "this extension cannot be requested; remove it from the request (only the subjectAltName is taken from a request)"
			if e.Critical {
				reason = "this critical extension cannot be requested; remove it from the request (only the subjectAltName is taken from a request)"
			}
			j.fail("extension", "extensions", label, reason)
		}
	}
}

func judgeExt(j *judgement, rule, label, problem, ok string) {
	if problem != "" {
		j.fail("extension", rule, label, problem)
	} else {
		j.pass("extension", rule, label, ok)
	}
}
