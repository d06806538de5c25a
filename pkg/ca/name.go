package ca

import "fmt"

// MaxIssuerName is the longest issuer name, in characters (bytes: names are ASCII).
const MaxIssuerName = 64

// CheckIssuerName returns nil when name can name an issuer: 1 to
// MaxIssuerName letters, digits, '-', '_' or '.', not starting with '.'.
// The name becomes a directory of the home and appears in output and
// logs, so nothing else is allowed: no separator, no control character,
// nothing a terminal or a file system would read otherwise. The error
// matches ErrUsage and quotes the name (cut at MaxIssuerName+8 characters).
func CheckIssuerName(name string) error {
	bad := name == "" || len(name) > MaxIssuerName || name[0] == '.'
	for i := 0; i < len(name) && !bad; i++ {
		bad = !isNameByte(name[i])
	}
	if !bad {
		return nil
	}
	long := ""
	if len(name) > MaxIssuerName {
		long = fmt.Sprintf(" (%d characters)", len(name))
	}
	return &inputError{fmt.Sprintf("ca: issuer name %.*q%s: use 1 to %d letters, digits, '-', '_' or '.', not starting with '.'",
		MaxIssuerName+8, name, long, MaxIssuerName)}
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

// inputError is a message for input that does not parse; it matches ErrUsage.
type inputError struct{ msg string }

func (e *inputError) Error() string        { return e.msg }
func (e *inputError) Is(target error) bool { return target == ErrUsage }
