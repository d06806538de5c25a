package ca

import (
	"fmt"
	"time"

	"github.com/ca-toolkit/ca/pkg/csr"
)

// ParseFlagDuration reads v, the value of the duration flag --flag
// (csr.ParseDuration: "90d", "1y", "12h"; m is minutes). An error names
// the flag and matches ErrUsage and csr.ErrBadDuration.
func ParseFlagDuration(flag, v string) (time.Duration, error) {
	d, err := csr.ParseDuration(v)
	if err != nil {
		return 0, flagError{fmt.Errorf("--%s: %w", flag, err)}
	}
	return d, nil
}

// flagError is err, a bad flag value: it also matches ErrUsage.
type flagError struct{ err error }

func (e flagError) Error() string        { return e.err.Error() }
func (e flagError) Unwrap() error        { return e.err }
func (e flagError) Is(target error) bool { return target == ErrUsage }
