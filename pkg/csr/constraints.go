package csr

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// The name constraints of an issuer (RFC 5280, 4.2.1.10), matched the way
// crypto/x509 matches them when it verifies a chain: a DNS constraint
// "example.com" covers example.com and every name below it, ".example.com"
// only the names below it, "" everything; email constraints are a full
// mailbox or a domain with the DNS semantics; URI constraints apply to the
// URI's host, and a URI without a host or with an IP host cannot satisfy
// them; IP constraints are CIDR ranges.

// dnsConstraintMatch reports whether domain is within constraint.
func dnsConstraintMatch(domain, constraint string) bool {
	if constraint == "" {
		return true
	}
	d, c := strings.ToLower(domain), strings.ToLower(constraint)
	if strings.HasPrefix(c, ".") {
		return len(d) > len(c) && strings.HasSuffix(d, c)
	}
	return d == c || strings.HasSuffix(d, "."+c)
}

// dnsExcludedMatch is dnsConstraintMatch for excluded subtrees, where a
// wildcard name is also excluded when a name it covers is: "*.example.com"
// is excluded by "www.example.com".
func dnsExcludedMatch(domain, constraint string) bool {
	if dnsConstraintMatch(domain, constraint) {
		return true
	}
	if !strings.HasPrefix(domain, "*.") {
		return false
	}
	i := strings.IndexByte(constraint, '.')
	if i < 0 {
		return false
	}
	return strings.EqualFold(constraint[i:], domain[1:])
}

// emailConstraintMatch reports whether addr (valid, local@domain) is within
// constraint: a full mailbox (domain case-insensitive) or a domain.
func emailConstraintMatch(addr, constraint string) bool {
	at := strings.LastIndexByte(addr, '@')
	local, domain := addr[:at], addr[at+1:]
	if ci := strings.LastIndexByte(constraint, '@'); ci >= 0 {
		return local == constraint[:ci] && strings.EqualFold(domain, constraint[ci+1:])
	}
	return dnsConstraintMatch(domain, constraint)
}

// listConstraints quotes a list of constraints for a message.
func listConstraints(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// constrainer is a CA certificate whose name constraints a certificate
// issued under the issuer must satisfy, and how messages name it.
type constrainer struct {
	cert *x509.Certificate
	name string // "the issuer", or `CA "Example Root" (above the issuer)`
}

// constrainers lists env's issuer and the CAs above it up to the root:
// verifiers apply the name constraints of every CA certificate in the path
// to the leaf (RFC 5280, 6.1.3 (b) and 6.1.4 (g)), not only its issuer's.
// Nil certificates, and the issuer repeated at the head of env.Chain, are
// left out.
func constrainers(env Env) []constrainer {
	var out []constrainer
	if env.Issuer != nil {
		out = append(out, constrainer{cert: env.Issuer, name: "the issuer"})
	}
	for _, c := range env.Chain {
		if c == nil || c == env.Issuer || (env.Issuer != nil && len(c.Raw) > 0 && bytes.Equal(c.Raw, env.Issuer.Raw)) {
			continue
		}
		out = append(out, constrainer{cert: c, name: fmt.Sprintf("CA %q (above the issuer)", caName(c))})
	}
	return out
}

// caName names a CA certificate for messages: its CN, else its subject.
func caName(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	return c.Subject.String()
}

// hasDNSConstraints and friends report whether c constrains a name type.
func hasDNSConstraints(c *x509.Certificate) bool {
	return c != nil && (len(c.PermittedDNSDomains) > 0 || len(c.ExcludedDNSDomains) > 0)
}

func hasIPConstraints(c *x509.Certificate) bool {
	return c != nil && (len(c.PermittedIPRanges) > 0 || len(c.ExcludedIPRanges) > 0)
}

func hasEmailConstraints(c *x509.Certificate) bool {
	return c != nil && (len(c.PermittedEmailAddresses) > 0 || len(c.ExcludedEmailAddresses) > 0)
}

func hasURIConstraints(c *x509.Certificate) bool {
	return c != nil && (len(c.PermittedURIDomains) > 0 || len(c.ExcludedURIDomains) > 0)
}

// dnsConstraintProblem says why a valid DNS name breaks the constraints of
// c (named who in the message), or "".
func dnsConstraintProblem(c *x509.Certificate, who, name string) string {
	if len(c.PermittedDNSDomains) > 0 {
		ok := false
		for _, p := range c.PermittedDNSDomains {
			if dnsConstraintMatch(name, p) {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Sprintf("outside the permitted DNS domains %s of %s", listConstraints(c.PermittedDNSDomains), who)
		}
	}
	for _, e := range c.ExcludedDNSDomains {
		if dnsExcludedMatch(name, e) {
			return fmt.Sprintf("inside the excluded DNS domain %q of %s", e, who)
		}
	}
	return ""
}

// ipConstraintProblem says why a valid IP breaks the constraints of c
// (named who in the message), or "".
func ipConstraintProblem(c *x509.Certificate, who string, ip net.IP) string {
	if len(c.PermittedIPRanges) > 0 {
		ok := false
		for _, n := range c.PermittedIPRanges {
			if ipNetContains(n, ip) {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Sprintf("outside the permitted IP ranges %s of %s", listNets(c.PermittedIPRanges), who)
		}
	}
	for _, n := range c.ExcludedIPRanges {
		if ipNetContains(n, ip) {
			return fmt.Sprintf("inside the excluded IP range %s of %s", netString(n), who)
		}
	}
	return ""
}

// ipNetContains reports whether the IP SAN ip, as crypto/x509 writes it in
// a certificate, is within the constraint n, as crypto/x509 writes it in
// the issuer's: the way verifiers (crypto/x509, OpenSSL) compare them,
// IPv4 with IPv4 and IPv6 with IPv6. x509.CreateCertificate writes an IP
// SAN that has an IPv4 form (an IPv4-mapped IPv6 address included) as 4
// bytes, and a constraint as n.IP.Mask(n.Mask) followed by n.Mask, so an
// IPv4-mapped network with a 4-byte mask becomes an IPv4 constraint while
// one with a 16-byte mask stays IPv6 and matches no IPv4 SAN. It is safe on
// a nil or malformed n.
func ipNetContains(n *net.IPNet, ip net.IP) bool {
	if n == nil {
		return false
	}
	network, mask := n.IP, n.Mask
	if len(network) == net.IPv6len && len(mask) == net.IPv4len {
		network = network.To4()
	}
	if v4 := ip.To4(); v4 != nil {
		ip = v4
	}
	if len(network) != len(mask) || len(ip) != len(network) || (len(ip) != net.IPv4len && len(ip) != net.IPv6len) {
		return false
	}
	for i := range ip {
		if ip[i]&mask[i] != network[i]&mask[i] {
			return false
		}
	}
	return true
}

func netString(n *net.IPNet) string {
	if n == nil {
		return "<nil>"
	}
	return n.String()
}

func listNets(l []*net.IPNet) string {
	q := make([]string, len(l))
	for i, n := range l {
		q[i] = netString(n)
	}
	return strings.Join(q, ", ")
}

// emailConstraintProblem says why a valid address breaks the constraints
// of c (named who in the message), or "".
func emailConstraintProblem(c *x509.Certificate, who, addr string) string {
	if len(c.PermittedEmailAddresses) > 0 {
		ok := false
		for _, p := range c.PermittedEmailAddresses {
			if emailConstraintMatch(addr, p) {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Sprintf("outside the permitted email constraints %s of %s", listConstraints(c.PermittedEmailAddresses), who)
		}
	}
	for _, e := range c.ExcludedEmailAddresses {
		if emailConstraintMatch(addr, e) {
			return fmt.Sprintf("inside the excluded email constraint %q of %s", e, who)
		}
	}
	return ""
}

// uriConstraintProblem says why a valid URI breaks the constraints of c
// (named who in the message), or "".
func uriConstraintProblem(c *x509.Certificate, who string, u *url.URL) string {
	host := strings.ToLower(u.Host)
	if host == "" {
		return "has no host, so it cannot satisfy the URI name constraints of " + who
	}
	host = strings.ToLower(u.Hostname())
	if _, err := netip.ParseAddr(host); err == nil || strings.HasPrefix(u.Host, "[") {
		return "has an IP host, so it cannot satisfy the URI name constraints of " + who
	}
	if len(c.PermittedURIDomains) > 0 {
		ok := false
		for _, p := range c.PermittedURIDomains {
			if dnsConstraintMatch(host, p) {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Sprintf("has a host outside the permitted URI domains %s of %s", listConstraints(c.PermittedURIDomains), who)
		}
	}
	for _, e := range c.ExcludedURIDomains {
		if dnsConstraintMatch(host, e) {
			return fmt.Sprintf("has a host inside the excluded URI domain %q of %s", e, who)
		}
	}
	return ""
}

// cnLooksLikeHostname reports whether OpenSSL takes the CN cn for a DNS
// name: when a leaf has no DNS SAN, OpenSSL checks such a CN against the
// DNS name constraints of the CAs above it (NAME_CONSTRAINTS_check_CN and
// its cn2dnsid). Letters, digits, '_', and '-' and '.' that are neither
// first nor last, with at least one '.' that has no '.' or '-' on either
// side: "www.example.com", "a_b.example.com" and "10.0.0.1" do, "alice",
// "Alice Smith" and "example.com." do not.
func cnLooksLikeHostname(cn string) bool {
	cn = strings.TrimRight(cn, "\x00")
	dotted := false
	for i := 0; i < len(cn); i++ {
		c := cn[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
			continue
		case i == 0 || i == len(cn)-1:
			return false
		case c == '-':
			continue
		case c == '.' && cn[i+1] != '.' && cn[i-1] != '-' && cn[i+1] != '-':
			dotted = true
		default:
			return false
		}
	}
	return dotted
}
