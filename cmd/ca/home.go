package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
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

// registerDN adds the distinguished-name flags of init, intermediate
// create, csr create and issue, into d (home.DN checks them).
func registerDN(cmd *cobra.Command, d *home.DN, cnUsage string) {
	f := cmd.Flags()
	f.StringVar(&d.CN, "cn", "", cnUsage)
	f.StringVar(&d.Org, "org", "", "organization (O)")
	f.StringVar(&d.OU, "ou", "", "organizational unit (OU)")
	f.StringVar(&d.Country, "country", "", "country (C), two upper-case letters")
	f.StringVar(&d.State, "state", "", "state or province (ST)")
	f.StringVar(&d.Locality, "locality", "", "locality (L)")
}

// registerSANs adds the subject alternative name flags of csr create and
// issue, into s (home.SANs parses them).
func registerSANs(cmd *cobra.Command, s *home.SANs) {
	f := cmd.Flags()
	f.StringArrayVar(&s.DNS, "dns", nil, "DNS name SAN (repeatable)")
	f.StringArrayVar(&s.IPs, "ip", nil, "IP address SAN (repeatable)")
	f.StringArrayVar(&s.Emails, "email", nil, "email address SAN (repeatable)")
	f.StringArrayVar(&s.URIs, "uri", nil, "URI SAN, e.g. spiffe://example.com/svc (repeatable)")
}
