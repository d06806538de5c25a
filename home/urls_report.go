package home

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// IssuerURLsReport is an issuer's publication URLs as recorded and with
// {issuer} expanded, in the JSON shape of "ca issuer urls"; Changed says
// they were just recorded.
type IssuerURLsReport struct {
	Issuer   string        `json:"issuer"`
	Changed  bool          `json:"changed"`
	URLs     ca.IssuerURLs `json:"urls"`
	Expanded ca.IssuerURLs `json:"expanded"`
}

// URLsChangeFrom is the change a command line makes to an issuer's URLs:
// the fields of u whose flag given reports set (--crl-url,
// --delta-crl-url, --crl-shards, --ocsp-url, --ca-issuers-url, as named in
// ca.IssuerURLs.Check's messages); the others stay as recorded.
func URLsChangeFrom(u *ca.IssuerURLs, given func(flag string) bool) URLsChange {
	var ch URLsChange
	for _, f := range []struct {
		flag string
		to   **string
		from *string
	}{{"crl-url", &ch.CRL, &u.CRL}, {"delta-crl-url", &ch.DeltaCRL, &u.DeltaCRL}, {"ocsp-url", &ch.OCSP, &u.OCSP}, {"ca-issuers-url", &ch.CAIssuers, &u.CAIssuers}} {
		if given(f.flag) {
			*f.to = f.from
		}
	}
	if given("crl-shards") {
		ch.CRLShards = &u.CRLShards
	}
	return ch
}

// ReportIssuerURLs returns the report of the issuer name's URLs: those
// recorded (IssuerURLs) when change changes nothing, else those recorded
// with change made (SetIssuerURLs, with its errors).
func (h *Home) ReportIssuerURLs(ctx context.Context, name string, change URLsChange) (*IssuerURLsReport, error) {
	var (
		urls ca.IssuerURLs
		err  error
	)
	r := &IssuerURLsReport{Changed: change != URLsChange{}}
	if r.Changed {
		r.Issuer, urls, err = h.SetIssuerURLs(ctx, name, change)
	} else {
		r.Issuer, urls, err = h.IssuerURLs(ctx, name)
	}
	if err != nil {
		return nil, err
	}
	r.URLs, r.Expanded = urls, urls.Expand(r.Issuer)
	return r, nil
}

// WriteText writes the report for people: what was done, the shard count
// and delta CRL URL when set, then the CRL, OCSP and caIssuers URLs
// expanded ("(none)" for one not set).
func (r *IssuerURLsReport) WriteText(w io.Writer) error {
	var b strings.Builder
	if r.Changed {
		fmt.Fprintf(&b, "recorded the URLs of issuer %s; certificates it signs from now on carry them\n", r.Issuer)
	} else {
		fmt.Fprintf(&b, "issuer %s\n", r.Issuer)
	}
	none := func(s string) string {
		if s == "" {
			return "(none)"
		}
		return s
	}
	if r.Expanded.CRLShards > 0 {
		fmt.Fprintf(&b, "  crl shards %d (shard = serial mod %d)\n", r.Expanded.CRLShards, r.Expanded.CRLShards)
	}
	if r.Expanded.DeltaCRL != "" {
		fmt.Fprintf(&b, "  delta crl  %s\n", r.Expanded.DeltaCRL)
	}
	fmt.Fprintf(&b, "  crl        %s\n  ocsp       %s\n  caIssuers  %s\n", none(r.Expanded.CRL), none(r.Expanded.OCSP), none(r.Expanded.CAIssuers))
	_, err := io.WriteString(w, b.String())
	return err
}
