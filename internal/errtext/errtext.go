// Package errtext words library errors for people: it rewrites an error's
// text in a command's own words, whatever library said it (Render), and adds
// a hint of what to do next where one helps (Hint). It is the one place
// that does, for cmd/ca; it neither prints nor decides exit codes.
package errtext

import (
	"errors"
	"regexp"
	"sync"

	"github.com/ca-toolkit/ca/pkg/csr"
)

// Message is err as a person reads it after "ca: ": Render of its text,
// then its Hint.
func Message(err error) string {
	return Render(err.Error()) + Hint(err)
}

// renderRules rewrite a library error's text for people. They are
// compiled on first use, on an error path: a ca process that succeeds
// never pays for them at start (TestStartupInitAllocations).
var renderRules = sync.OnceValue(func() rules {
	return rules{
		// The package prefixes of library errors ("csr: ", "pem: ", ...),
		// wherever they stand in a chain of wrapped errors: they are for
		// developers (STYLE.md, "Errors"). A prefix starts the message or
		// follows another error's ": ", an opening parenthesis, "; " or ",
		// and " (errors.Join-like lists).
		libraryPrefix: regexp.MustCompile(`(?m)(^|: |\(|; |, and )(?:ca|csr|pem|place|crl|tlsendpoint|home|store|verify|passphrase|trust|spool|x509|tls): `),
		// encoding/asn1's errors, which name Go's parser.
		derText: []rewrite{
			{regexp.MustCompile(`and not DER: not ASN\.1 DER: asn1: (?:syntax|structure) error: ([^;]*)`), "and it does not parse as DER either ($1)"},
			{regexp.MustCompile(`(?:not ASN\.1 DER: )?asn1: (?:syntax|structure) error: `), "does not parse as DER: "},
			{regexp.MustCompile(`asn1: `), "DER: "},
		},
		// The words of library sentinels that say nothing once the prefix
		// is gone and the detail follows, where a prefix would stand.
		sentinelText: regexp.MustCompile(`(?m)(^|: |\(|; |, and )(?:malformed input|unusable input|locked|inconsistent): `),
	}
})

type rewrite struct {
	re   *regexp.Regexp
	with string
}

type rules struct {
	libraryPrefix, sentinelText *regexp.Regexp
	derText                     []rewrite
}

// Render rewrites msg, an error's text, in a command's own words: without
// the package prefixes of library errors, encoding/asn1's words or the
// empty words of library sentinels.
func Render(msg string) string {
	r := renderRules()
	for _, d := range r.derText {
		msg = d.re.ReplaceAllString(msg, d.with)
	}
	for prev := ""; prev != msg; {
		prev = msg
		msg = r.libraryPrefix.ReplaceAllString(msg, "$1")
	}
	return r.sentinelText.ReplaceAllString(msg, "$1")
}

// policyRules are the rules a policy.json sets; a refusal by one of them
// can be changed there (the others are SPEC's fixed rules).
var policyRules = map[string]bool{
	"match": true, "supplied": true, "optional": true, "forbidden": true, "allow": true, "deny": true,
	"pattern": true, "maxLength": true, "unlisted": true, "sanType": true, "keyTypes": true,
	"maxValidity": true, "profiles": true,
}

// Hint is what to do next for err, "" when the message says enough: a
// refusal by a rule of the issuer's policy.json says how to change it.
func Hint(err error) string {
	var pe *csr.PolicyError
	if isPolicyRefusal(err) || errors.As(err, &pe) && policyRules[pe.Rule] {
		return ` (to change the rule, edit the issuer's policy.json, HOME/issuers/NAME/policy.json, and record it with "ca policy set FILE"; "ca policy show" lists the rules)`
	}
	return ""
}

// isPolicyRefusal reports whether a refusal breaks a rule of policy.json.
func isPolicyRefusal(err error) bool {
	var re *csr.RefusalError
	if !errors.As(err, &re) {
		return false
	}
	for _, pe := range re.Errors {
		if policyRules[pe.Rule] {
			return true
		}
	}
	return false
}
