package csr

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Callers branch on them with errors.Is; the detail is
// wrapped around them.
var (
	// ErrMalformed reports input that does not parse as a certificate
	// request: garbage, truncated or oversize DER, trailing data, bad ASN.1.
	ErrMalformed = errors.New("csr: malformed certificate request")
	// ErrBadSignature reports a request whose self-signature does not
	// verify with the public key it carries (RFC 2986, 4.2).
	ErrBadSignature = errors.New("csr: the request's signature does not verify")
	// ErrWeakSignature reports a request signed with MD2, MD5 or SHA-1,
	// which is refused whether or not the signature verifies.
	ErrWeakSignature = errors.New("csr: the request is signed with a weak hash")
	// ErrBadPolicy reports a policy file that ParsePolicy cannot accept.
	ErrBadPolicy = errors.New("csr: bad policy")
	// ErrBadDuration reports a duration that ParseDuration cannot accept.
	ErrBadDuration = errors.New("csr: bad duration")
)

// PolicyError is one broken rule: the field it applies to ("subject OU",
// "san dns", "key", "extension", ...), the rule ("allow", "supplied",
// "hostname", ...), the offending value and why it breaks the rule, worded
// so that it says what to change.
type PolicyError struct {
	Field  string
	Rule   string
	Value  string
	Reason string
}

// Error returns a message such as
// `csr: subject OU "Sales" breaks rule "allow" of the policy: not one of Devices, Servers`.
func (e *PolicyError) Error() string {
	var b strings.Builder
	b.WriteString("csr: ")
	b.WriteString(e.Field)
	if e.Value != "" {
		fmt.Fprintf(&b, " %q", e.Value)
	}
	fmt.Fprintf(&b, " breaks rule %q of the policy", e.Rule)
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	return b.String()
}

// RefusalError is a refused request: every rule it breaks, in the order
// Judge checked them. Unwrap gives the *PolicyError values, so
// errors.As(err, &pe) finds the first.
type RefusalError struct {
	Errors []*PolicyError
}

// Error joins the messages of all broken rules, one per line.
func (e *RefusalError) Error() string {
	if len(e.Errors) == 0 {
		return "csr: request refused by the policy"
	}
	msgs := make([]string, len(e.Errors))
	for i, pe := range e.Errors {
		msgs[i] = pe.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap returns the broken rules as *PolicyError values.
func (e *RefusalError) Unwrap() []error {
	errs := make([]error, len(e.Errors))
	for i, pe := range e.Errors {
		errs[i] = pe
	}
	return errs
}

// refusal makes a *RefusalError of one broken rule.
func refusal(field, rule, value, reason string) *RefusalError {
	return &RefusalError{Errors: []*PolicyError{{Field: field, Rule: rule, Value: value, Reason: reason}}}
}

// policyFileError is an error in a policy file at a line and column. Its
// message keeps the "csr: policy.json line N: ..." shape; it unwraps to
// ErrBadPolicy.
type policyFileError struct {
	line, col int
	msg       string
}

func (e *policyFileError) Error() string {
	if e.line == 0 {
		return "csr: policy.json: " + e.msg
	}
	return fmt.Sprintf("csr: policy.json line %d: %s", e.line, e.msg)
}

func (e *policyFileError) Unwrap() error { return ErrBadPolicy }
