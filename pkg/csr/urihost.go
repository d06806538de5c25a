package csr

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// uriHostCheck judges the host of the URI SAN s, as the certificate would
// carry it (the String of the request's URI), and says why it passes or
// fails. RFC 5280, 4.2.1.6: "URIs that include an authority MUST include a
// fully qualified domain name or IP address as the host". SPEC.md wants
// every certificate to lint clean, so it refuses exactly what zlint's
// e_ext_san_uri_host_not_fqdn_or_ip flags: a URI that net/url reads as
// opaque (urn:uuid:..., mailto:...) has no authority and passes; any other
// needs a host (port included) that zlint's util.IsFQDNOrIP accepts, which
// also refuses "scheme:/path", "file:///path" and an empty or over-long
// port. It also refuses a single-label host with a port
// (spiffe://x:8443/...), which the lint lets through but which is no FQDN.
// Call it on URIs that uriProblem passed.
func uriHostCheck(s string) (pass bool, reason string) {
	u, err := url.Parse(s)
	if err != nil {
		return false, fmt.Sprintf("does not parse as a URI (%v)", err)
	}
	if u.Opaque != "" {
		return true, "no authority, so no host to check"
	}
	if u.Host == "" {
		return false, "has no host: a URI whose part after the scheme is empty or starts with \"/\" must name a fully qualified domain name or IP address as its host (scheme://host/path, RFC 5280, 4.2.1.6); give a host, or use a URI without one such as urn:..."
	}
	host := u.Hostname()
	if _, err := netip.ParseAddr(host); err != nil && !strings.Contains(host, ".") {
		return false, fmt.Sprintf("has a host %q of a single label, not a fully qualified domain name (RFC 5280, 4.2.1.6); use a full domain name such as %s.example.com, or an IP address", host, host)
	}
	if !lintFQDNOrIP(u.Host) {
		return false, fmt.Sprintf("has a host %q that is not a fully qualified domain name or IP address as zlint's e_ext_san_uri_host_not_fqdn_or_ip checks it (RFC 5280, 4.2.1.6); use a full domain name such as service.example.com, or an IP address", u.Host)
	}
	return true, "the host is a fully qualified domain name or IP address"
}

// lintFQDNOrIP is zlint's util.IsFQDNOrIP (v3), which
// e_ext_san_uri_host_not_fqdn_or_ip applies to a URI's host, port
// included: an IP address as net.ParseIP reads it, or what zcrypto's
// util.IsURL accepts once a leading "*." and "?." labels are removed.
func lintFQDNOrIP(host string) bool {
	domain := strings.TrimPrefix(host, "*.")
	for strings.HasPrefix(domain, "?.") {
		domain = domain[2:]
	}
	return lintIsURL(domain) || net.ParseIP(host) != nil
}

// lintURL is the pattern of zcrypto's util.IsURL (github.com/zmap/zcrypto,
// MIT; adopted from github.com/asaskevich/govalidator, MIT), kept as it is
// so that the judge and zlint agree; compiled on first use.
var lintURL = sync.OnceValue(func() *regexp.Regexp {
	const (
		ip        = `(([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:)|fe80:(:[0-9a-fA-F]{0,4}){0,4}%[0-9a-zA-Z]{1,}|::(ffff(:0{1,4}){0,1}:){0,1}((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])|([0-9a-fA-F]{1,4}:){1,4}:((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9]))`
		schema    = `((ftp|tcp|udp|wss?|https?):\/\/)`
		username  = `(\S+(:\S*)?@)`
		path      = `((\/|\?|#)[^\s]*)`
		port      = `(:(\d{1,5}))`
		urlIP     = `([1-9]\d?|1\d\d|2[01]\d|22[0-3])(\.(1?\d{1,2}|2[0-4]\d|25[0-5])){2}(?:\.([0-9]\d?|1\d\d|2[0-4]\d|25[0-4]))`
		subdomain = `((www\.)|([a-zA-Z0-9]+([-_\.]?[a-zA-Z0-9])*[a-zA-Z0-9]\.[a-zA-Z0-9]+))`
	)
	return regexp.MustCompile(`^` + schema + `?` + username + `?` + `((` + urlIP + `|(\[` + ip + `\])|(([a-zA-Z0-9]([a-zA-Z0-9-_]+)?[a-zA-Z0-9]([-\.][a-zA-Z0-9]+)*)|(` + subdomain + `?))?(([a-zA-Z\x{00a1}-\x{ffff}0-9]+-?-?)*[a-zA-Z\x{00a1}-\x{ffff}0-9]+)(?:\.([a-zA-Z\x{00a1}-\x{ffff}]{1,}))?))\.?` + port + `?` + path + `?$`)
})

// lintIsURL is zcrypto's util.IsURL, step for step.
func lintIsURL(str string) bool {
	if str == "" || utf8.RuneCountInString(str) >= 2083 || len(str) <= 3 || strings.HasPrefix(str, ".") {
		return false
	}
	tmp := str
	if strings.Contains(str, ":") && !strings.Contains(str, "://") {
		tmp = "http://" + str
	}
	u, err := url.Parse(tmp)
	if err != nil {
		return false
	}
	if strings.HasPrefix(u.Host, ".") {
		return false
	}
	if u.Host == "" && u.Path != "" && !strings.Contains(u.Path, ".") {
		return false
	}
	return lintURL().MatchString(str)
}
