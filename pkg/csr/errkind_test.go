package csr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ca-toolkit/ca/pkg/csr"
)

func TestErrorKinds(t *testing.T) {
	_, durationErr := csr.ParseDuration("ten days")
	for _, tc := range []struct {
		name               string
		err                error
		refusal, malformed bool
	}{
		{"a refusal", fmt.Errorf("web.csr: %w", &csr.RefusalError{}), true, false},
		{"a broken rule", &csr.PolicyError{Rule: "allow"}, true, false},
		{"a bad signature", fmt.Errorf("x: %w", csr.ErrBadSignature), true, false},
		{"a weak signature", csr.ErrWeakSignature, true, false},
		{"a malformed request", fmt.Errorf("x: %w", csr.ErrMalformed), false, true},
		{"a bad policy", csr.ErrBadPolicy, false, true},
		{"a bad duration", durationErr, false, true},
		{"anything else", errors.New("csr: something"), false, false},
		{"nil", nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := csr.IsRefusal(tc.err); got != tc.refusal {
				t.Errorf("IsRefusal = %v, want %v", got, tc.refusal)
			}
			if got := csr.IsMalformed(tc.err); got != tc.malformed {
				t.Errorf("IsMalformed = %v, want %v", got, tc.malformed)
			}
		})
	}
}
