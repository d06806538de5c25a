package verify

import (
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

// Link is one certificate of the chain reported, leaf first.
type Link struct {
	Serial    string    `json:"serial"`
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
}

// Reason is one rule a certificate or CRL breaks.
type Reason struct {
	// Rule is a short stable id ("ski-missing", "revoked", "crl-expired").
	Rule string `json:"rule"`
	// Ref is where the rule comes from ("RFC 5280, 4.2.1.2").
	Ref string `json:"ref"`
	// Certificate is the index in Result.Chain of the certificate the rule
	// is about, -1 when it is about no certificate (a foreign CRL).
	Certificate int    `json:"certificate"`
	Subject     string `json:"subject"`
	Serial      string `json:"serial"`
	// CRL names the CRL the reason is about ("" if none).
	CRL    string `json:"crl"`
	Detail string `json:"detail"`
}

// String is the reason in one line for people.
func (r Reason) String() string {
	var who string
	switch {
	case r.Certificate >= 0:
		who = fmt.Sprintf("certificate %d (%s, serial %s)", r.Certificate, quoted(r.Subject), r.Serial)
	case r.CRL != "":
		who = "CRL " + r.CRL
	default:
		who = "file"
	}
	return fmt.Sprintf("%s: %s [%s]: %s", who, r.Rule, r.Ref, r.Detail)
}

func quoted(s string) string {
	if s == "" {
		return "empty subject"
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Sprintf("%q", s)
	}
	return s
}

// Result is what Verify found: good when Reasons is empty.
type Result struct {
	// Chain is the chain that passed, or the one that came closest (fewest
	// reasons), leaf first; the leaf alone when no path was built.
	Chain []Link
	// Reasons lists every rule that Chain, or the leaf, breaks.
	Reasons []Reason
	// Chains is how many paths crypto/x509 built.
	Chains int
}

// Good reports whether the certificate verified.
func (r *Result) Good() bool { return len(r.Reasons) == 0 }

// Err is nil when the result is good, else an error wrapping ErrFailed that
// lists every reason.
func (r *Result) Err() error {
	if r.Good() {
		return nil
	}
	lines := make([]string, len(r.Reasons))
	for i, x := range r.Reasons {
		lines[i] = x.String()
	}
	return fmt.Errorf("%w: %s", ErrFailed, strings.Join(lines, "; "))
}

// ErrFailed is wrapped by Result.Err: the certificate did not verify.
var ErrFailed = errors.New("verify: not good")

// Verify checks chain[0] (the leaf) against opts; the other certificates of
// chain join opts.Intermediates as untrusted helpers. It returns an error
// wrapping ErrMalformed only for unusable options; a certificate that does
// not verify is a Result with Reasons.
func Verify(chain []*x509.Certificate, opts Options) (*Result, error) {
	if len(chain) == 0 {
		return nil, fmt.Errorf("%w: no certificate to verify", ErrMalformed)
	}
	if err := opts.check(); err != nil {
		return nil, err
	}
	leaf := chain[0]
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, c := range opts.Roots {
		roots.AddCert(c)
	}
	for _, c := range append(append([]*x509.Certificate{}, chain[1:]...), opts.Intermediates...) {
		inter.AddCert(c)
	}
	known := append(append(append([]*x509.Certificate{}, opts.Roots...), opts.Intermediates...), chain...)
	crlReasons := checkCRLs(opts.CRLs, known, opts.At)
	paths, err := leaf.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, CurrentTime: opts.At,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		res := &Result{Chain: links([]*x509.Certificate{leaf})}
		res.Reasons = append(res.Reasons, goReason(err, []*x509.Certificate{leaf}))
		res.Reasons = append(res.Reasons, checkPath([]*x509.Certificate{leaf}, &opts, false)...)
		res.Reasons = append(res.Reasons, crlReasons...)
		return res, nil
	}
	var best *Result
	for _, p := range paths {
		r := &Result{Chain: links(p), Chains: len(paths)}
		r.Reasons = append(r.Reasons, checkPath(p, &opts, true)...)
		r.Reasons = append(r.Reasons, revocation(p, opts.CRLs)...)
		r.Reasons = append(r.Reasons, crlReasons...)
		if best == nil || len(r.Reasons) < len(best.Reasons) {
			best = r
		}
	}
	return best, nil
}

// links describes a chain.
func links(chain []*x509.Certificate) []Link {
	out := make([]Link, len(chain))
	for i, c := range chain {
		out[i] = Link{Serial: formatSerial(c), Subject: c.Subject.String(), Issuer: c.Issuer.String(),
			NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC()}
	}
	return out
}

// formatSerial writes a serial as the toolkit does everywhere: lower-case
// hex of the minimal big-endian octets ("00" for zero, "-" before a
// negative one).
func formatSerial(c *x509.Certificate) string {
	switch {
	case c.SerialNumber == nil || c.SerialNumber.Sign() == 0:
		return "00"
	case c.SerialNumber.Sign() < 0:
		return "-" + hex.EncodeToString(new(big.Int).Neg(c.SerialNumber).Bytes())
	}
	return hex.EncodeToString(c.SerialNumber.Bytes())
}

// reason makes a Reason about certificate i of chain.
func reason(chain []*x509.Certificate, i int, rule, ref, format string, args ...any) Reason {
	c := chain[i]
	return Reason{Rule: rule, Ref: ref, Certificate: i, Subject: c.Subject.String(), Serial: formatSerial(c),
		Detail: fmt.Sprintf(format, args...)}
}

// goReason names the rule behind an error of crypto/x509's Verify.
func goReason(err error, chain []*x509.Certificate) Reason {
	var cie x509.CertificateInvalidError
	var uae x509.UnknownAuthorityError
	var he x509.HostnameError
	var ia x509.InsecureAlgorithmError
	switch {
	case errors.As(err, &cie):
		rule, ref := invalidRule(cie.Reason)
		r := reason(chain, 0, rule, ref, "%s", goText(err))
		if cie.Cert != nil && cie.Cert != chain[0] {
			r.Certificate, r.Subject, r.Serial = -1, cie.Cert.Subject.String(), formatSerial(cie.Cert)
			r.Detail = "in the chain: " + r.Detail
		}
		return r
	case errors.As(err, &uae):
		return reason(chain, 0, "untrusted", "RFC 5280, 6.1", "no path to the given roots: %s", goText(err))
	case errors.As(err, &he):
		return reason(chain, 0, "name-mismatch", "RFC 6125, 6", "%s", goText(err))
	case errors.As(err, &ia):
		return reason(chain, 0, "signature-algorithm", "RFC 9155; RFC 6151", "%s", goText(err))
	case errors.As(err, new(x509.UnhandledCriticalExtension)):
		return reason(chain, 0, "unknown-critical-extension", "RFC 5280, 4.2", "%s", goText(err))
	}
	return reason(chain, 0, "path", "RFC 5280, 6.1", "%s", goText(err))
}

// goText is crypto/x509's message without its package prefix.
func goText(err error) string { return strings.ReplaceAll(err.Error(), "x509: ", "") }

func invalidRule(r x509.InvalidReason) (rule, ref string) {
	switch r {
	case x509.Expired:
		return "validity", "RFC 5280, 4.1.2.5"
	case x509.NotAuthorizedToSign:
		return "bc-not-ca", "RFC 5280, 4.2.1.9"
	case x509.CANotAuthorizedForThisName, x509.NameConstraintsWithoutSANs, x509.UnconstrainedName, x509.TooManyConstraints:
		return "name-constraints", "RFC 5280, 4.2.1.10"
	case x509.TooManyIntermediates:
		return "path-length", "RFC 5280, 4.2.1.9"
	case x509.IncompatibleUsage, x509.CANotAuthorizedForExtKeyUsage:
		return "eku-purpose", "RFC 5280, 4.2.1.12"
	case x509.NoValidChains:
		return "policy", "RFC 5280, 6.1.3"
	}
	return "path", "RFC 5280, 6.1"
}

// checkName checks the name asked for on the leaf.
func checkName(chain []*x509.Certificate, o *Options) []Reason {
	leaf := chain[0]
	switch {
	case o.DNSName != "":
		if err := leaf.VerifyHostname(o.DNSName); err != nil {
			return []Reason{reason(chain, 0, "name-mismatch", "RFC 6125, 6.4", "%s", goText(err))}
		}
	case o.IP != nil:
		if err := leaf.VerifyHostname(o.IP.String()); err != nil || !hasIP(leaf, o.IP) {
			return []Reason{reason(chain, 0, "name-mismatch", "RFC 5280, 4.2.1.6", "the certificate holds no IP address SAN %s", o.IP)}
		}
	case o.Email != "":
		if !hasEmail(leaf, o.Email) {
			return []Reason{reason(chain, 0, "name-mismatch", "RFC 5280, 4.2.1.6", "the certificate holds no email SAN %s (it has %s)", o.Email, listOrNone(leaf.EmailAddresses))}
		}
	}
	return nil
}

func hasIP(c *x509.Certificate, ip net.IP) bool {
	for _, x := range c.IPAddresses {
		if x.Equal(ip) {
			return true
		}
	}
	return false
}

// hasEmail: the local part compares exactly, the domain without case
// (RFC 5280, 4.2.1.6 and 7.5).
func hasEmail(c *x509.Certificate, want string) bool {
	wl, wd, _ := strings.Cut(want, "@")
	for _, e := range c.EmailAddresses {
		l, d, ok := strings.Cut(e, "@")
		if ok && l == wl && strings.EqualFold(d, wd) {
			return true
		}
	}
	return false
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}
