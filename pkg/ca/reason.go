package ca

import (
	"fmt"
	"strings"
)

// Reason is a CRL reason code (RFC 5280, 5.3.1).
type Reason int

// The reason codes of RFC 5280, 5.3.1 (7 is not used).
const (
	ReasonUnspecified          Reason = 0
	ReasonKeyCompromise        Reason = 1
	ReasonCACompromise         Reason = 2
	ReasonAffiliationChanged   Reason = 3
	ReasonSuperseded           Reason = 4
	ReasonCessationOfOperation Reason = 5
	ReasonCertificateHold      Reason = 6
	ReasonPrivilegeWithdrawn   Reason = 9
	ReasonAACompromise         Reason = 10
)

var reasonNames = map[Reason]string{
	ReasonUnspecified:          "unspecified",
	ReasonKeyCompromise:        "keyCompromise",
	ReasonCACompromise:         "caCompromise",
	ReasonAffiliationChanged:   "affiliationChanged",
	ReasonSuperseded:           "superseded",
	ReasonCessationOfOperation: "cessationOfOperation",
	ReasonCertificateHold:      "certificateHold",
	ReasonPrivilegeWithdrawn:   "privilegeWithdrawn",
	ReasonAACompromise:         "aACompromise",
}

// String returns the RFC 5280 name of r.
func (r Reason) String() string {
	if n, ok := reasonNames[r]; ok {
		return n
	}
	return fmt.Sprintf("reason(%d)", int(r))
}

// ReasonNames lists the names ParseReason takes, in code order.
func ReasonNames() []string {
	out := make([]string, 0, len(reasonNames))
	for _, r := range []Reason{0, 1, 2, 3, 4, 5, 6, 9, 10} {
		out = append(out, reasonNames[r])
	}
	return out
}

// ParseReason returns the reason named s (RFC 5280 names, any case); "" is unspecified.
func ParseReason(s string) (Reason, error) {
	if s == "" {
		return ReasonUnspecified, nil
	}
	for r, n := range reasonNames {
		if strings.EqualFold(n, s) {
			return r, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown reason %q (use one of %s)", ErrUsage, s, strings.Join(ReasonNames(), ", "))
}
