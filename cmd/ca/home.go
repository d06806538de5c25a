package main

import (
	"crypto/x509/pkix"
	"fmt"
	"net"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/csr"
)

// h returns the home of --home, with the store settings and passphrase
// sources of the global flags; built once, after the flags are parsed. A
// home, issuers/ or ca.db others can write gets its warnings then, once
// (store check lists them in its report instead).
func (g *globals) h() *home.Home {
	if g.homeLib == nil {
		g.homeLib = home.New(home.Config{
			Dir: g.home, LockTimeout: g.lockTimeout, Actor: g.actor(), Now: g.now,
			Passphrase: g.passphrase, Hook: g.batchHook(), Store: g.store, PKCS11: g.pkcs11Config(),
		})
		if !g.warnedWritable {
			for _, w := range g.homeLib.WritableWarnings() {
				fmt.Fprintf(g.stderr, "ca: warning: %s\n", w)
			}
		}
		g.warnedWritable = true
	}
	return g.homeLib
}

// dnFlags are the distinguished-name flags shared by init, intermediate
// create, csr create and issue.
type dnFlags struct {
	cn, org, ou, country, state, locality string
}

func (d *dnFlags) register(cmd *cobra.Command, cnUsage string) {
	f := cmd.Flags()
	f.StringVar(&d.cn, "cn", "", cnUsage)
	f.StringVar(&d.org, "org", "", "organization (O)")
	f.StringVar(&d.ou, "ou", "", "organizational unit (OU)")
	f.StringVar(&d.country, "country", "", "country (C), two upper-case letters")
	f.StringVar(&d.state, "state", "", "state or province (ST)")
	f.StringVar(&d.locality, "locality", "", "locality (L)")
}

// check refuses a value with control characters, and a --country that is
// not two upper-case letters (exit 2):
// a CA certificate or request made from it would not lint clean. (A leaf's
// subject is judged by the policy, which says the same with exit 3.)
func (d *dnFlags) check() error {
	if err := d.checkText(); err != nil {
		return err
	}
	if d.country != "" && !csr.IsCountryCode(d.country) {
		return usageError{fmt.Errorf("--country %q: give the two-letter upper-case ISO 3166 code, e.g. DE", d.country)}
	}
	return nil
}

// checkText refuses (exit 2) a DN flag whose value holds a control
// character: it would reach certificates, file names and terminals.
func (d *dnFlags) checkText() error {
	for _, f := range []struct{ flag, v string }{
		{"cn", d.cn}, {"org", d.org}, {"ou", d.ou}, {"country", d.country}, {"state", d.state}, {"locality", d.locality},
	} {
		if p := csr.DNValueProblem(f.v); p != "" {
			return usageError{fmt.Errorf("--%s %q %s; a distinguished name holds printable text only", f.flag, f.v, p)}
		}
	}
	return nil
}

func (d *dnFlags) name() pkix.Name {
	var n pkix.Name
	n.CommonName = d.cn
	add := func(dst *[]string, v string) {
		if v != "" {
			*dst = []string{v}
		}
	}
	add(&n.Organization, d.org)
	add(&n.OrganizationalUnit, d.ou)
	add(&n.Country, d.country)
	add(&n.Province, d.state)
	add(&n.Locality, d.locality)
	return n
}

// sanFlags are the subject alternative name flags of csr create and issue.
type sanFlags struct {
	dns, ips, emails, uris []string
}

func (s *sanFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVar(&s.dns, "dns", nil, "DNS name SAN (repeatable)")
	f.StringArrayVar(&s.ips, "ip", nil, "IP address SAN (repeatable)")
	f.StringArrayVar(&s.emails, "email", nil, "email address SAN (repeatable)")
	f.StringArrayVar(&s.uris, "uri", nil, "URI SAN, e.g. spiffe://example.com/svc (repeatable)")
}

// parse checks the IPs and URIs given (usage error 2 for one that does not parse).
func (s *sanFlags) parse() ([]net.IP, []*url.URL, error) {
	var ips []net.IP
	for _, v := range s.ips {
		ip := net.ParseIP(v)
		if ip == nil {
			return nil, nil, usageError{fmt.Errorf("--ip %q is not an IP address", v)}
		}
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		ips = append(ips, ip)
	}
	var uris []*url.URL
	for _, v := range s.uris {
		u, err := url.Parse(v)
		if err != nil || !u.IsAbs() {
			return nil, nil, usageError{fmt.Errorf("--uri %q is not an absolute URI such as spiffe://example.com/svc", v)}
		}
		uris = append(uris, u)
	}
	return ips, uris, nil
}

// checkNames refuses (exit 2) a --dns or --email that no CA of this
// toolkit would sign, for commands that make requests rather than judge
// them (csr create).
func (s *sanFlags) checkNames() error {
	for _, v := range s.dns {
		if p := csr.DNSNameProblem(v, true); p != "" {
			return usageError{fmt.Errorf("--dns %q %s", v, p)}
		}
	}
	for _, v := range s.emails {
		if p := csr.EmailProblem(v); p != "" {
			return usageError{fmt.Errorf("--email %q %s", v, p)}
		}
	}
	return nil
}
