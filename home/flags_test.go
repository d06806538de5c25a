package home_test

import (
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
)

// TestDNCheck: printable values pass; a control character in any field
// and a country that is not two upper-case letters are usage errors that
// name the flag; CheckText leaves the country's form to the policy.
func TestDNCheck(t *testing.T) {
	for _, tc := range []struct {
		name      string
		dn        home.DN
		check     string // "" when Check passes, else a part of its message
		checkText string
	}{
		{"ok", home.DN{CN: "Root", Org: "Example", Country: "DE"}, "", ""},
		{"empty", home.DN{}, "", ""},
		{"control in org", home.DN{CN: "Root", Org: "Ex\x1bample"}, `--org "Ex\x1bample"`, `--org "Ex\x1bample"`},
		{"newline in cn", home.DN{CN: "a\nb"}, `--cn "a\nb"`, `--cn "a\nb"`},
		{"lower-case country", home.DN{CN: "Root", Country: "de"}, `--country "de": give the two-letter`, ""},
		{"long country", home.DN{CN: "Root", Country: "DEU"}, `--country "DEU"`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []struct {
				what string
				err  error
				want string
			}{{"Check", tc.dn.Check(), tc.check}, {"CheckText", tc.dn.CheckText(), tc.checkText}} {
				switch {
				case c.want == "" && c.err != nil:
					t.Errorf("%s: %v, want none", c.what, c.err)
				case c.want != "" && (!errors.Is(c.err, ca.ErrUsage) || !strings.Contains(c.err.Error(), c.want)):
					t.Errorf("%s: %v, want ErrUsage with %q", c.what, c.err, c.want)
				}
			}
		})
	}
}

// TestDNName: each field given is one value of its attribute; empty ones
// are left out.
func TestDNName(t *testing.T) {
	n := home.DN{CN: "web", Org: "Example", OU: "Ops", Country: "DE", State: "Berlin", Locality: "Berlin"}.Name()
	if got, want := n.String(), "CN=web,OU=Ops,O=Example,L=Berlin,ST=Berlin,C=DE"; got != want {
		t.Errorf("name %s, want %s", got, want)
	}
	if n := (home.DN{CN: "only"}).Name(); n.Organization != nil || n.Country != nil || n.CommonName != "only" {
		t.Errorf("name %+v, want the CN alone", n)
	}
}

// TestSANsParse: IPv4 comes in its 4-byte form, IPv6 as given; an IP or
// URI that does not parse, or a relative URI, is a usage error naming its
// flag.
func TestSANsParse(t *testing.T) {
	ips, uris, err := home.SANs{IPs: []string{"192.0.2.1", "2001:db8::1"}, URIs: []string{"spiffe://example.com/svc"}}.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if len(ips) != 2 || len(ips[0]) != net.IPv4len || !ips[1].Equal(net.ParseIP("2001:db8::1")) {
		t.Errorf("ips %v", ips)
	}
	if len(uris) != 1 || uris[0].Host != "example.com" {
		t.Errorf("uris %v", uris)
	}
	for _, tc := range []struct {
		name string
		sans home.SANs
		want string
	}{
		{"bad ip", home.SANs{IPs: []string{"300.1.1.1"}}, `--ip "300.1.1.1" is not an IP address`},
		{"relative uri", home.SANs{URIs: []string{"example.com/svc"}}, `--uri "example.com/svc" is not an absolute URI`},
		{"bad uri", home.SANs{URIs: []string{"%zz://x"}}, `--uri "%zz://x"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := tc.sans.Parse()
			if !errors.Is(err, ca.ErrUsage) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v, want ErrUsage with %q", err, tc.want)
			}
		})
	}
}

// TestSANsCheckNames: names a CA would sign pass; others are usage errors
// naming the flag.
func TestSANsCheckNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		sans home.SANs
		want string // "" for none
	}{
		{"ok", home.SANs{DNS: []string{"www.example.com"}, Emails: []string{"ops@example.com"}}, ""},
		{"dns with space", home.SANs{DNS: []string{"www example.com"}}, `--dns "www example.com"`},
		{"email without at", home.SANs{Emails: []string{"ops.example.com"}}, `--email "ops.example.com"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.sans.CheckNames()
			if tc.want == "" && err != nil || tc.want != "" && (!errors.Is(err, ca.ErrUsage) || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("%v, want %q", err, tc.want)
			}
		})
	}
}

// TestSANsAll lists the names as given, in flag order, never nil.
func TestSANsAll(t *testing.T) {
	if all := (home.SANs{}).All(); all == nil || len(all) != 0 {
		t.Errorf("All of none = %#v, want []", all)
	}
	all := home.SANs{DNS: []string{"a"}, IPs: []string{"192.0.2.1"}, Emails: []string{"e@x"}, URIs: []string{"u:x"}}.All()
	if want := []string{"a", "192.0.2.1", "e@x", "u:x"}; !slices.Equal(all, want) {
		t.Errorf("All = %v, want %v", all, want)
	}
}

func TestDurationFlag(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want time.Duration
		err  string
	}{
		{"", 0, ""},
		{"90d", 90 * 24 * time.Hour, ""},
		{"1m", time.Minute, ""},
		{"1 month", 0, `--validity: csr: bad duration "1 month"`},
		{"-1d", 0, "--validity: csr: bad duration"},
	} {
		d, err := home.DurationFlag("validity", tc.v)
		if tc.err == "" && (err != nil || d != tc.want) {
			t.Errorf("%q: %v, %v; want %v", tc.v, d, err, tc.want)
		}
		if tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err) || !errors.Is(err, csr.ErrBadDuration)) {
			t.Errorf("%q: %v; want an error starting %q", tc.v, err, tc.err)
		}
	}
}
