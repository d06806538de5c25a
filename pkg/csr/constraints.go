package csr

import (
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

// hasDNSConstraints and friends report whether issuer constrains a name type.
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

// dnsConstraintProblem says why a valid DNS name breaks c's constraints, or "".
func dnsConstraintProblem(c *x509.Certificate, name string) string {
	if len(c.PermittedDNSDomains) > 0 {
		ok := false
		for _, p := range c.PermittedDNSDomains {
			if dnsConstraintMatch(name, p) {
				ok = true
				break
			}
		}
		if !ok {
			return "outside the issuer's permitted DNS domains " + listConstraints(c.PermittedDNSDomains)
		}
	}
	for _, e := range c.ExcludedDNSDomains {
		if dnsExcludedMatch(name, e) {
			return fmt.Sprintf("inside the issuer's excluded DNS domain %q", e)
		}
	}
	return ""
}

// ipConstraintProblem says why a valid IP breaks c's constraints, or "".
func ipConstraintProblem(c *x509.Certificate, ip net.IP) string {
	if len(c.PermittedIPRanges) > 0 {
		ok := false
		for _, n := range c.PermittedIPRanges {
			if ipNetContains(n, ip) {
				ok = true
				break
			}
		}
		if !ok {
			return "outside the issuer's permitted IP ranges " + listNets(c.PermittedIPRanges)
		}
	}
	for _, n := range c.ExcludedIPRanges {
		if ipNetContains(n, ip) {
			return fmt.Sprintf("inside the issuer's excluded IP range %s", netString(n))
		}
	}
	return ""
}

// ipNetContains is n.Contains(ip) that is safe on a nil or malformed n and
// keeps IPv4 and IPv6 apart as crypto/x509 does.
func ipNetContains(n *net.IPNet, ip net.IP) bool {
	if n == nil || len(n.IP) != len(n.Mask) || (len(n.IP) != net.IPv4len && len(n.IP) != net.IPv6len) {
		return false
	}
	if (len(n.IP) == net.IPv4len) != (len(ip) == net.IPv4len) {
		return false
	}
	return n.Contains(ip)
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

// emailConstraintProblem says why a valid address breaks c's constraints, or "".
func emailConstraintProblem(c *x509.Certificate, addr string) string {
	if len(c.PermittedEmailAddresses) > 0 {
		ok := false
		for _, p := range c.PermittedEmailAddresses {
			if emailConstraintMatch(addr, p) {
				ok = true
				break
			}
		}
		if !ok {
			return "outside the issuer's permitted email constraints " + listConstraints(c.PermittedEmailAddresses)
		}
	}
	for _, e := range c.ExcludedEmailAddresses {
		if emailConstraintMatch(addr, e) {
			return fmt.Sprintf("inside the issuer's excluded email constraint %q", e)
		}
	}
	return ""
}

// uriConstraintProblem says why a valid URI breaks c's constraints, or "".
func uriConstraintProblem(c *x509.Certificate, u *url.URL) string {
	host := strings.ToLower(u.Host)
	if host == "" {
		return "has no host, so it cannot satisfy the issuer's URI name constraints"
	}
	host = strings.ToLower(u.Hostname())
	if _, err := netip.ParseAddr(host); err == nil || strings.HasPrefix(u.Host, "[") {
		return "has an IP host, so it cannot satisfy the issuer's URI name constraints"
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
			return "has a host outside the issuer's permitted URI domains " + listConstraints(c.PermittedURIDomains)
		}
	}
	for _, e := range c.ExcludedURIDomains {
		if dnsConstraintMatch(host, e) {
			return fmt.Sprintf("has a host inside the issuer's excluded URI domain %q", e)
		}
	}
	return ""
}
