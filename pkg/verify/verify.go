// Package verify checks a certificate chain the way a strict relying party
// would: it lets crypto/x509 build the paths (signatures, validity, name
// constraints, path length), then holds every path it finds to the MUSTs of
// RFC 5280 that crypto/x509 does not enforce, to the purpose (extended key
// usage) asked for, to a DNS name, IP address or email address, and to the
// CRLs given. Each failure names the certificate, a short rule id and the
// RFC section.
//
// It knows nothing of a CA home or a store (pkg/ca verifies against those)
// and fetches nothing: roots, intermediates and CRLs are all given, as
// values or as the files an Input names (ReadFile, VerifyPath).
package verify

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// ErrMalformed is wrapped by every error about input that cannot be used:
// certificates or CRLs that do not parse, options that make no sense.
var ErrMalformed = errors.New("verify: unusable input")

// Purpose is what the leaf must be good for (its extended key usage).
type Purpose string

// Purposes.
const (
	PurposeAny    Purpose = "any"    // no extended key usage check
	PurposeServer Purpose = "server" // id-kp-serverAuth
	PurposeClient Purpose = "client" // id-kp-clientAuth
)

// ParsePurpose returns the Purpose named s ("" means PurposeAny).
func ParsePurpose(s string) (Purpose, error) {
	switch p := Purpose(s); p {
	case "":
		return PurposeAny, nil
	case PurposeAny, PurposeServer, PurposeClient:
		return p, nil
	}
	return "", fmt.Errorf("%w: purpose %q is not one of server, client, any", ErrMalformed, s)
}

// ParseTime reads a moment given as RFC 3339 ("2027-01-01T00:00:00Z") or as
// "@" and seconds since the Unix epoch ("@1798761600").
func ParseTime(s string) (time.Time, error) {
	if rest, ok := strings.CutPrefix(s, "@"); ok {
		var sec int64
		if _, err := fmt.Sscanf(rest, "%d", &sec); err != nil || fmt.Sprint(sec) != rest {
			return time.Time{}, fmt.Errorf("%w: time %q: after @ give whole seconds since 1970-01-01T00:00:00Z", ErrMalformed, s)
		}
		return time.Unix(sec, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: time %q is neither RFC 3339 (2027-01-01T00:00:00Z) nor @UNIX seconds", ErrMalformed, s)
	}
	return t.UTC(), nil
}

// Options say what to verify against. Roots and At are required.
type Options struct {
	// Roots are the trust anchors.
	Roots []*x509.Certificate
	// Intermediates are untrusted certificates that may help build a path;
	// certificates after the leaf in the verified file belong here too.
	Intermediates []*x509.Certificate
	// At most one of DNSName, IP and Email: the name the leaf must hold.
	DNSName string
	IP      net.IP
	Email   string
	// Purpose is checked through the chain; "" means PurposeAny.
	Purpose Purpose
	// At is the moment to verify at (validity of certificates and CRLs).
	At time.Time
	// CRLs are checked for every certificate of the chain they cover.
	CRLs []*CRL
}

func (o *Options) check() error {
	names := 0
	for _, set := range []bool{o.DNSName != "", o.IP != nil, o.Email != ""} {
		if set {
			names++
		}
	}
	switch {
	case len(o.Roots) == 0:
		return fmt.Errorf("%w: no root to verify against", ErrMalformed)
	case names > 1:
		return fmt.Errorf("%w: give at most one of a DNS name, an IP address and an email address", ErrMalformed)
	case o.At.IsZero():
		return fmt.Errorf("%w: no time to verify at", ErrMalformed)
	case o.Email != "" && !strings.Contains(o.Email, "@"):
		return fmt.Errorf("%w: email address %q has no @", ErrMalformed, o.Email)
	}
	if _, err := ParsePurpose(string(o.Purpose)); err != nil {
		return err
	}
	return nil
}
