package ca_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
)

func TestParseFlagDuration(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"90d", 90 * 24 * time.Hour, true},
		{"12h", 12 * time.Hour, true},
		{"1m", time.Minute, true},
		{"ten days", 0, false},
		{"", 0, false},
	} {
		t.Run(tc.v, func(t *testing.T) {
			d, err := ca.ParseFlagDuration("validity", tc.v)
			if tc.ok {
				if err != nil || d != tc.want {
					t.Fatalf("= %v, %v; want %v", d, err, tc.want)
				}
				return
			}
			if !errors.Is(err, ca.ErrUsage) || !errors.Is(err, csr.ErrBadDuration) || !strings.HasPrefix(err.Error(), "--validity: ") {
				t.Fatalf("= %v, %v; want an error naming --validity, ErrUsage and csr.ErrBadDuration", d, err)
			}
		})
	}
}
