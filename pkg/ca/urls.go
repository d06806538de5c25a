package ca

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// IssuerPlaceholder in an issuer URL stands for the issuer's name.
const IssuerPlaceholder = "{issuer}"

// ShardPlaceholder in a sharded issuer's CRL URL stands for the shard
// number, 0 to CRLShards-1.
const ShardPlaceholder = "{shard}"

// MaxCRLShards bounds IssuerURLs.CRLShards.
const MaxCRLShards = 1024

// IssuerURLs are where an issuer publishes: every certificate it signs
// carries them (RFC 5280, 4.2.1.13 CRL distribution points; 4.2.2.1
// authority information access, OCSP and caIssuers), and its CRLs name CRL
// in an issuing distribution point (5.2.5). Empty means none. The URLs are
// kept as given; IssuerPlaceholder is expanded when they are used.
type IssuerURLs struct {
	CRL       string `json:"crl"`
	OCSP      string `json:"ocsp"`
	CAIssuers string `json:"caIssuers"`
	// CRLShards, when above 0, splits the issuer's revocations over that
	// many CRLs: a certificate belongs to shard Shard(serial, CRLShards),
	// and its distribution point is CRL with ShardPlaceholder replaced by
	// that shard.
	CRLShards int `json:"crlShards,omitempty"`
	// DeltaCRL is where the issuer's delta CRLs are published: its
	// complete CRLs name it in a freshest CRL extension (RFC 5280, 5.2.6).
	DeltaCRL string `json:"deltaCrl,omitempty"`
}

// Shard is the CRL shard of the certificate with this serial among n:
// serial mod n (serials are random, so shards fill evenly). It is fixed at
// issuance: the certificate names its shard's URL.
func Shard(serial *big.Int, n int) int {
	if n <= 0 || serial == nil {
		return 0
	}
	return int(new(big.Int).Mod(serial, big.NewInt(int64(n))).Int64())
}

// ShardURL is a sharded CRL URL with ShardPlaceholder replaced by shard.
func ShardURL(crlURL string, shard int) string {
	return strings.ReplaceAll(crlURL, ShardPlaceholder, strconv.Itoa(shard))
}

// IsZero says no URL is set.
func (u IssuerURLs) IsZero() bool { return u == IssuerURLs{} }

// Expand returns u with IssuerPlaceholder replaced by name.
func (u IssuerURLs) Expand(name string) IssuerURLs {
	r := func(s string) string { return strings.ReplaceAll(s, IssuerPlaceholder, name) }
	return IssuerURLs{CRL: r(u.CRL), OCSP: r(u.OCSP), CAIssuers: r(u.CAIssuers), CRLShards: u.CRLShards, DeltaCRL: r(u.DeltaCRL)}
}

// Check refuses (ErrUsage) a URL that is not an absolute http or https URL
// with a host, holds characters other than printable ASCII (the extensions
// are IA5Strings), or a placeholder other than IssuerPlaceholder; the
// message names the flag that sets the URL.
func (u IssuerURLs) Check() error {
	if err := u.CheckURLs(); err != nil {
		return err
	}
	return u.checkShards()
}

// CheckURLs is Check without the checks of CRLShards against CRL: each
// URL on its own, for a change to some of them.
func (u IssuerURLs) CheckURLs() error {
	for _, f := range []struct{ name, v string }{{"crl-url", u.CRL}, {"ocsp-url", u.OCSP}, {"ca-issuers-url", u.CAIssuers}, {"delta-crl-url", u.DeltaCRL}} {
		if f.v == "" {
			continue
		}
		if err := checkURL(f.v, f.name == "crl-url"); err != nil {
			return fmt.Errorf("%w: --%s %q %v", ErrUsage, f.name, f.v, err)
		}
	}
	return nil
}

// CheckShardChange refuses (ErrRefused) a change of the shard count of an
// issuer that has one: its certificates name their shard by serial mod
// the count, so the count stays for the issuer's life.
func CheckShardChange(name string, before, after IssuerURLs) error {
	if before.CRLShards == 0 || before.CRLShards == after.CRLShards {
		return nil
	}
	return fmt.Errorf("%w: issuer %s's CRLs are split over %d shards and its certificates name their shard's URL (serial mod %d); the count stays for the issuer's life (make a new issuer to change it)",
		ErrRefused, name, before.CRLShards, before.CRLShards)
}

// checkShards refuses (ErrUsage) a shard count out of range, a sharded
// CRL URL without ShardPlaceholder, or the placeholder without shards.
func (u IssuerURLs) checkShards() error {
	has := strings.Contains(u.CRL, ShardPlaceholder)
	switch {
	case u.CRLShards < 0 || u.CRLShards > MaxCRLShards:
		return fmt.Errorf("%w: --crl-shards %d: give 0 (no shards) to %d", ErrUsage, u.CRLShards, MaxCRLShards)
	case u.CRLShards > 0 && !has:
		return fmt.Errorf("%w: --crl-shards %d needs a --crl-url with %s in it (like http://pki.example.com/{issuer}-{shard}.crl)", ErrUsage, u.CRLShards, ShardPlaceholder)
	case u.CRLShards == 0 && has:
		return fmt.Errorf("%w: --crl-url %q has %s but the issuer has no shards; give --crl-shards N", ErrUsage, u.CRL, ShardPlaceholder)
	}
	return nil
}

// checkURL checks one URL; only a CRL URL (crl) may hold ShardPlaceholder.
func checkURL(s string, crl bool) error {
	for _, c := range s {
		if c <= ' ' || c > '~' {
			return fmt.Errorf("holds %q: only printable ASCII without spaces (percent-encode the rest)", c)
		}
	}
	rest := strings.ReplaceAll(s, IssuerPlaceholder, "x")
	if crl {
		rest = strings.ReplaceAll(rest, ShardPlaceholder, "0")
	}
	if strings.ContainsAny(rest, "{}") && crl {
		return fmt.Errorf("has a placeholder other than %s and %s", IssuerPlaceholder, ShardPlaceholder)
	}
	if strings.ContainsAny(rest, "{}") {
		return fmt.Errorf("has a placeholder other than %s", IssuerPlaceholder)
	}
	p, err := url.Parse(rest)
	switch {
	case err != nil:
		return fmt.Errorf("is not a URL")
	case p.Scheme != "http" && p.Scheme != "https":
		return fmt.Errorf("is not an http:// or https:// URL (relying parties fetch these over HTTP)")
	case p.Host == "" || p.Hostname() == "":
		return fmt.Errorf("has no host")
	case p.User != nil:
		return fmt.Errorf("holds a user name or password")
	case p.Fragment != "" || strings.Contains(rest, "#"):
		return fmt.Errorf("has a fragment")
	}
	return nil
}

// apply puts the issuer's URLs, expanded for name, in tmpl; a sharded
// CRL URL names the shard of tmpl's serial.
func (u IssuerURLs) apply(tmpl *x509.Certificate, name string) {
	e := u.Expand(name)
	if e.CRL != "" && e.CRLShards > 0 {
		tmpl.CRLDistributionPoints = []string{ShardURL(e.CRL, Shard(tmpl.SerialNumber, e.CRLShards))}
	} else if e.CRL != "" {
		tmpl.CRLDistributionPoints = []string{e.CRL}
	}
	if e.OCSP != "" {
		tmpl.OCSPServer = []string{e.OCSP}
	}
	if e.CAIssuers != "" {
		tmpl.IssuingCertificateURL = []string{e.CAIssuers}
	}
}

// OIDFreshestCRL is the freshest CRL extension of RFC 5280, 5.2.6.
var OIDFreshestCRL = asn1.ObjectIdentifier{2, 5, 29, 46}

// FreshestCRL returns the non-critical freshest CRL extension (RFC 5280,
// 5.2.6; the syntax of CRL distribution points, 4.2.1.13) naming one URL:
// where the delta CRLs of a complete CRL are.
func FreshestCRL(uri string) (pkix.Extension, error) {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // CRLDistributionPoints
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // DistributionPoint
			addDistributionPointName(b, uri)
		})
	})
	v, err := b.Bytes()
	if err != nil {
		return pkix.Extension{}, fmt.Errorf("ca: encode freshest CRL: %w", err)
	}
	return pkix.Extension{Id: OIDFreshestCRL, Value: v}, nil
}

// OIDIssuingDistributionPoint is the CRL extension of RFC 5280, 5.2.5.
var OIDIssuingDistributionPoint = asn1.ObjectIdentifier{2, 5, 29, 28}

// IssuingDistributionPoint returns the critical issuing distribution point
// extension (RFC 5280, 5.2.5) naming one URL as its full name: the CRL
// covers every certificate whose distribution point names that URL.
func IssuingDistributionPoint(uri string) (pkix.Extension, error) {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuingDistributionPoint
		addDistributionPointName(b, uri)
	})
	v, err := b.Bytes()
	if err != nil {
		return pkix.Extension{}, fmt.Errorf("ca: encode issuing distribution point: %w", err)
	}
	return pkix.Extension{Id: OIDIssuingDistributionPoint, Critical: true, Value: v}, nil
}

// addDistributionPointName adds the field both extensions share: a
// distributionPoint [0] whose fullName [0] is one URI (RFC 5280, 4.2.1.13).
func addDistributionPointName(b *cryptobyte.Builder, uri string) {
	b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { // distributionPoint
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { // fullName
			b.AddASN1(cbasn1.Tag(6).ContextSpecific(), func(b *cryptobyte.Builder) { // uniformResourceIdentifier
				b.AddBytes([]byte(uri))
			})
		})
	})
}
