package home

import (
	"fmt"
	"net"
	"strings"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// CARequest is a new CA as "ca init" and "ca intermediate create" are
// given it, before it is checked.
type CARequest struct {
	Name       string // its name in the home (ca.CheckIssuerName)
	KeyType    string // pem.ParseKeyType
	Validity   string // a duration (csr.ParseDuration)
	PathLen    int    // -1: none
	PolicyFile string // "": the default policy of its subject
	DN         DN     // its subject (DN.Check)
	URLs       ca.IssuerURLs
	KeyURI     string // the key is on a PKCS#11 token (NewCA.KeyURI)
	Constraints
}

// NewCA checks r into the NewCA it asks for, in this order: key type,
// validity, name, subject, URLs, policy file, name constraints. Bad input is
// ca.ErrUsage (or pem.ErrUnknownKeyType, csr.ErrBadDuration, or what
// ReadPolicyFile returns). Passphrase and KDFCost are left for the caller.
func (r CARequest) NewCA() (NewCA, error) {
	kt, err := pem.ParseKeyType(r.KeyType)
	if err != nil {
		return NewCA{}, err
	}
	validity, err := ca.ParseFlagDuration("validity", r.Validity)
	if err != nil {
		return NewCA{}, err
	}
	if err := ca.CheckIssuerName(r.Name); err != nil {
		return NewCA{}, err
	}
	if err := r.DN.Check(); err != nil {
		return NewCA{}, err
	}
	if err := r.URLs.Check(); err != nil {
		return NewCA{}, err
	}
	req := NewCA{Name: r.Name, KeyType: kt, KeyURI: r.KeyURI,
		Template: ca.Template{Subject: r.DN.Name(), Validity: validity, MaxPathLen: r.PathLen, URLs: r.URLs}}
	if r.PolicyFile != "" {
		if req.Policy, err = ReadPolicyFile(r.PolicyFile); err != nil {
			return NewCA{}, err
		}
	}
	return req, r.Constraints.apply(&req.Template)
}

// Constraints are the name constraints of a new CA certificate as given,
// before they are checked: DNS subtrees (a leading "." means subdomains
// only, RFC 5280, 4.2.1.10), IP ranges in CIDR form, email domains or
// addresses.
type Constraints struct {
	PermitDNS, ExcludeDNS []string
	PermitIP, ExcludeIP   []string
	PermitEmail           []string
}

// apply checks c and sets its constraints on t. A DNS subtree that is not
// a DNS name (a wildcard, a misspelt domain would make a CA that signs
// nothing or that verifiers reject) and an IP range that is not CIDR are
// ca.ErrUsage.
func (c Constraints) apply(t *ca.Template) error {
	for _, flag := range []struct {
		name string
		list []string
	}{{"permit-dns", c.PermitDNS}, {"exclude-dns", c.ExcludeDNS}} {
		for _, v := range flag.list {
			if p := csr.DNSNameProblem(strings.TrimPrefix(v, "."), false); p != "" {
				return usageErr{fmt.Errorf("--%s %q %s", flag.name, v, p)}
			}
		}
	}
	var err error
	if t.PermittedIPRanges, err = parseCIDRs("permit-ip", c.PermitIP); err != nil {
		return err
	}
	if t.ExcludedIPRanges, err = parseCIDRs("exclude-ip", c.ExcludeIP); err != nil {
		return err
	}
	t.PermittedDNSDomains, t.ExcludedDNSDomains, t.PermittedEmailAddresses = c.PermitDNS, c.ExcludeDNS, c.PermitEmail
	return nil
}

// parseCIDRs parses the IP ranges of --flag (ca.ErrUsage).
func parseCIDRs(flag string, list []string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, s := range list {
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			return nil, usageErr{fmt.Errorf("--%s %q is not a CIDR range such as 10.0.0.0/8", flag, s)}
		}
		out = append(out, n)
	}
	return out, nil
}
