package csr

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Limits on DNS names (RFC 1035, 2.3.4).
const (
	maxHostnameLen = 253
	maxLabelLen    = 63
)

// hostnameProblem says why name is not an acceptable DNS name for a
// certificate, or "" when it is. Acceptable: LDH labels of 1 to 63 lower-case
// letters, digits and hyphens, not starting or ending with a hyphen, at most
// 253 characters, no trailing dot; IDNs as A-labels (RFC 5890, 2.3.2.1) that
// decode as valid punycode; when wildcard is true, "*" as the whole
// left-most label over at least two labels (RFC 6125, 6.4.3).
func hostnameProblem(name string, wildcard bool) string {
	_, reason := hostnameCheck(name, wildcard)
	return reason
}

// DNSNameProblem says why name is not an acceptable DNS name, or "" when
// it is: the judge's rules for DNS SANs, for the command line's own checks.
func DNSNameProblem(name string, wildcard bool) string { return hostnameProblem(name, wildcard) }

// EmailProblem says why addr is not an acceptable email SAN, or "".
func EmailProblem(addr string) string { return emailProblem(addr) }

// hostnameCheck is hostnameProblem that also names the broken rule:
// "wildcard" for a misplaced wildcard, else "hostname". The rule is ""
// when the name is acceptable.
func hostnameCheck(name string, wildcard bool) (rule, reason string) {
	const h, w = "hostname", "wildcard"
	if name == "" {
		return h, "is empty"
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == 0:
			return h, "contains a NUL byte"
		case c < 0x20 || c == 0x7f:
			return h, "contains a control character"
		case c >= 0x80:
			return h, nonASCIIHostname(name)
		case c == ' ':
			return h, "contains a space"
		}
	}
	if lower := strings.ToLower(name); lower != name {
		return h, fmt.Sprintf("has upper-case letters; write DNS names in lower case (%q)", lower)
	}
	if len(name) > maxHostnameLen {
		return h, fmt.Sprintf("is %d characters long, over the limit of %d", len(name), maxHostnameLen)
	}
	if strings.HasSuffix(name, ".") {
		return h, fmt.Sprintf("ends with a dot; leave it out (%q)", strings.TrimRight(name, "."))
	}
	labels := strings.Split(name, ".")
	for i, label := range labels {
		if label == "" {
			return h, "has an empty label"
		}
		if strings.Contains(label, "*") {
			switch {
			case !wildcard:
				return w, "contains a wildcard, which is not allowed here"
			case i != 0 || label != "*":
				return w, "has a wildcard that is not the whole left-most label; only \"*.\" at the start is allowed"
			case len(labels) < 3:
				return w, "has a wildcard over a single label; a wildcard needs at least two labels after it (*.example.com)"
			}
			continue
		}
		if p := labelProblem(label); p != "" {
			return h, p
		}
	}
	last := labels[len(labels)-1]
	if strings.Trim(last, "0123456789") == "" {
		return h, "ends with an all-numeric label; put IP addresses in IP SANs"
	}
	return "", ""
}

// labelProblem checks one non-wildcard label of a DNS name.
func labelProblem(label string) string {
	if len(label) > maxLabelLen {
		return fmt.Sprintf("has a label of %d characters, over the limit of %d", len(label), maxLabelLen)
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
		case c >= 'A' && c <= 'Z':
			return "has upper-case letters; write DNS names in lower case"
		case c == '_':
			return "contains '_', which is not allowed in a hostname (letters, digits and hyphens only)"
		default:
			return fmt.Sprintf("contains %q, which is not allowed in a hostname (letters, digits and hyphens only)", c)
		}
	}
	if label[0] == '-' || label[len(label)-1] == '-' {
		return fmt.Sprintf("has a label that starts or ends with a hyphen (%q)", label)
	}
	if len(label) >= 4 && label[2:4] == "--" {
		if !strings.HasPrefix(label, "xn--") {
			return fmt.Sprintf("has a label with \"--\" in the third and fourth positions (%q), which is reserved for A-labels (xn--)", label)
		}
		u, err := idna.Lookup.ToUnicode(label)
		if err != nil {
			return fmt.Sprintf("has an A-label %q that is not valid punycode: %v", label, err)
		}
		back, err := idna.Lookup.ToASCII(u)
		if err != nil || back != label {
			return fmt.Sprintf("has an A-label %q that is not in canonical form", label)
		}
	}
	return ""
}

// nonASCIIHostname is the reason for a DNS name with non-ASCII characters:
// names must be written as A-labels; it suggests the A-label form when the
// name converts.
func nonASCIIHostname(name string) string {
	if utf8.ValidString(name) {
		if a, err := idna.Lookup.ToASCII(name); err == nil && a != name {
			return fmt.Sprintf("is not in A-label form; write internationalized names as A-labels (%q)", a)
		}
	}
	return "contains non-ASCII characters; write internationalized names as A-labels (xn--...)"
}

// emailProblem says why addr is not an acceptable rfc822Name SAN, or "".
// Acceptable: a dot-atom local part of at most 64 characters (RFC 5322,
// 3.4.1; RFC 5321, 4.5.3.1.1), "@", and a domain that is a valid hostname
// without wildcard.
func emailProblem(addr string) string {
	for i := 0; i < len(addr); i++ {
		c := addr[i]
		switch {
		case c == 0:
			return "contains a NUL byte"
		case c < 0x20 || c == 0x7f:
			return "contains a control character"
		case c >= 0x80:
			return "contains non-ASCII characters; write the domain as A-labels (xn--...), and use an ASCII local part"
		}
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return "is not an address of the form local@domain"
	}
	local, domain := addr[:at], addr[at+1:]
	switch {
	case local == "":
		return "has an empty local part"
	case len(local) > 64:
		return fmt.Sprintf("has a local part of %d characters, over the limit of 64", len(local))
	case local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, ".."):
		return "has a local part with a leading, trailing or doubled dot"
	}
	for i := 0; i < len(local); i++ {
		if c := local[i]; c != '.' && !isAtext(c) {
			return fmt.Sprintf("has %q in its local part; only unquoted dot-atom local parts are accepted", c)
		}
	}
	// Domains are case-insensitive (RFC 5321, 2.4).
	if p := hostnameProblem(strings.ToLower(domain), false); p != "" {
		return "has a domain that " + p
	}
	return ""
}

// isAtext reports whether c is an atext character (RFC 5322, 3.2.3).
func isAtext(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// emailDomain returns the domain of a valid address, lower-cased.
func emailDomain(addr string) string {
	return strings.ToLower(addr[strings.LastIndexByte(addr, '@')+1:])
}

// uriProblem says why u is not an acceptable URI SAN, or "": it must be
// absolute (RFC 5280, 4.2.1.6), ASCII, and a host it names must be a valid
// hostname or IP literal.
func uriProblem(u *url.URL) string {
	if u == nil {
		return "is empty"
	}
	s := u.String()
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c >= 0x7f {
			return "contains spaces, control or non-ASCII characters"
		}
	}
	if u.Scheme == "" {
		return "is not absolute; give a scheme, e.g. spiffe://example.com/service"
	}
	if u.Host != "" {
		host := u.Hostname()
		if _, err := netip.ParseAddr(host); err == nil {
			return ""
		}
		if p := hostnameProblem(strings.ToLower(host), false); p != "" {
			return "has a host that " + p
		}
	}
	return ""
}

// dnsPatternMatch reports whether name matches a policy DNS entry:
// "*.example.com" matches names with exactly one more label (a wildcard
// name "*.example.com" included), "example.com" only itself.
func dnsPatternMatch(pattern, name string) bool {
	if rest, ok := strings.CutPrefix(pattern, "*."); ok {
		head, tail, found := strings.Cut(name, ".")
		return found && head != "" && tail == rest
	}
	return name == pattern
}

// uriPatternMatch reports whether uri matches a policy URI entry: a
// trailing "*" makes the entry a prefix, else it must be equal.
func uriPatternMatch(pattern, uri string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(uri, prefix)
	}
	return uri == pattern
}

// ipString writes an IP SAN for messages, also when it has a bad length.
func ipString(ip net.IP) string {
	if len(ip) != net.IPv4len && len(ip) != net.IPv6len {
		return fmt.Sprintf("%x", []byte(ip))
	}
	return ip.String()
}
