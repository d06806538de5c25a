package home

import (
	"crypto/x509/pkix"
	"fmt"
	"net"
	"net/url"
	"slices"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
)

// DN is a distinguished name as given on a command line (--cn, --org, --ou,
// --country, --state, --locality), before it is checked.
type DN struct {
	CN, Org, OU, Country, State, Locality string
}

// Check refuses (ca.ErrUsage) a value with control characters (CheckText)
// and a Country that is not two upper-case letters: a CA certificate or
// request made from it would not lint clean. (A leaf's subject is judged by
// the policy, which says the same as a refusal.)
func (d DN) Check() error {
	if err := d.CheckText(); err != nil {
		return err
	}
	if d.Country != "" && !csr.IsCountryCode(d.Country) {
		return usageErr{fmt.Errorf("--country %q: give the two-letter upper-case ISO 3166 code, e.g. DE", d.Country)}
	}
	return nil
}

// CheckText refuses (ca.ErrUsage) a value that holds a control character
// (csr.DNValueProblem): it would reach certificates, file names and
// terminals. The error names the value's flag.
func (d DN) CheckText() error {
	for _, f := range []struct{ flag, v string }{
		{"cn", d.CN}, {"org", d.Org}, {"ou", d.OU}, {"country", d.Country}, {"state", d.State}, {"locality", d.Locality},
	} {
		if p := csr.DNValueProblem(f.v); p != "" {
			return usageErr{fmt.Errorf("--%s %q %s; a distinguished name holds printable text only", f.flag, f.v, p)}
		}
	}
	return nil
}

// Name is d as a pkix.Name: each field given becomes one value of its
// attribute; the empty ones are left out.
func (d DN) Name() pkix.Name {
	var n pkix.Name
	n.CommonName = d.CN
	add := func(dst *[]string, v string) {
		if v != "" {
			*dst = []string{v}
		}
	}
	add(&n.Organization, d.Org)
	add(&n.OrganizationalUnit, d.OU)
	add(&n.Country, d.Country)
	add(&n.Province, d.State)
	add(&n.Locality, d.Locality)
	return n
}

// SANs are the subject alternative names given on a command line (--dns,
// --ip, --email, --uri), before they are parsed.
type SANs struct {
	DNS, IPs, Emails, URIs []string
}

// Parse parses the IPs (IPv4 in its 4-byte form) and the URIs, which must be
// absolute; one that does not parse is ca.ErrUsage naming its flag.
func (s SANs) Parse() ([]net.IP, []*url.URL, error) {
	var ips []net.IP
	for _, v := range s.IPs {
		ip := net.ParseIP(v)
		if ip == nil {
			return nil, nil, usageErr{fmt.Errorf("--ip %q is not an IP address", v)}
		}
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		ips = append(ips, ip)
	}
	var uris []*url.URL
	for _, v := range s.URIs {
		u, err := url.Parse(v)
		if err != nil || !u.IsAbs() {
			return nil, nil, usageErr{fmt.Errorf("--uri %q is not an absolute URI such as spiffe://example.com/svc", v)}
		}
		uris = append(uris, u)
	}
	return ips, uris, nil
}

// CheckNames refuses (ca.ErrUsage) a DNS name or email address that no CA
// of this toolkit would sign (csr.DNSNameProblem, csr.EmailProblem), for
// commands that make requests rather than judge them (csr create).
func (s SANs) CheckNames() error {
	for _, v := range s.DNS {
		if p := csr.DNSNameProblem(v, true); p != "" {
			return usageErr{fmt.Errorf("--dns %q %s", v, p)}
		}
	}
	for _, v := range s.Emails {
		if p := csr.EmailProblem(v); p != "" {
			return usageErr{fmt.Errorf("--email %q %s", v, p)}
		}
	}
	return nil
}

// All lists every name as given: the DNS names, IPs, emails, then URIs;
// never nil.
func (s SANs) All() []string {
	return append([]string{}, slices.Concat(s.DNS, s.IPs, s.Emails, s.URIs)...)
}

// DurationFlag parses the value v of the duration flag --flag, one that
// may be left out: "" is 0, anything else csr.ParseDuration. An error names
// the flag and matches csr.ErrBadDuration.
func DurationFlag(flag, v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	return ca.ParseFlagDuration(flag, v)
}
