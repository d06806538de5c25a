package csr

import "errors"

// IsRefusal reports whether err refuses a request by a rule: a
// RefusalError or PolicyError, or a signature that does not verify or is
// too weak (ErrBadSignature, ErrWeakSignature).
func IsRefusal(err error) bool {
	var re *RefusalError
	var pe *PolicyError
	return errors.As(err, &re) || errors.As(err, &pe) ||
		errors.Is(err, ErrBadSignature) || errors.Is(err, ErrWeakSignature)
}

// IsMalformed reports whether err is input that does not parse: a request
// (ErrMalformed), a policy (ErrBadPolicy) or a duration (ErrBadDuration).
func IsMalformed(err error) bool {
	return errors.Is(err, ErrMalformed) || errors.Is(err, ErrBadPolicy) || errors.Is(err, ErrBadDuration)
}
