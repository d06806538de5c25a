package ca_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/pkg/ca"
)

func TestParseReason(t *testing.T) {
	for i, name := range ca.ReasonNames() {
		for _, in := range []string{name, strings.ToUpper(name)} {
			r, err := ca.ParseReason(in)
			if err != nil || r.String() != name {
				t.Errorf("ParseReason(%q) = %v, %v (index %d)", in, r, err, i)
			}
		}
	}
	if r, err := ca.ParseReason(""); err != nil || r != ca.ReasonUnspecified {
		t.Errorf("empty reason: %v %v", r, err)
	}
	for _, in := range []string{"removeFromCRL", "7", "compromise"} {
		if _, err := ca.ParseReason(in); !errors.Is(err, ca.ErrUsage) {
			t.Errorf("ParseReason(%q): err = %v, want ErrUsage", in, err)
		}
	}
}
