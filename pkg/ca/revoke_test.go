package ca_test

import (
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// TestLostRevocationsError: the refusal names the CRL and the serials (the
// first ten, then how many more), matches ErrDamaged and says what to do.
func TestLostRevocationsError(t *testing.T) {
	var many []string
	for i := range 12 {
		many = append(many, strings.Repeat(string(rune('a'+i)), 4))
	}
	for _, tc := range []struct {
		serials []string
		want    string
	}{
		{[]string{"0abc"}, "CRL 3 of issuer issuing lists serial 0abc, whose revocation record is missing from the store; a CRL without it would un-revoke a certificate"},
		{[]string{"0abc", "0def"}, "lists serials 0abc, 0def, whose revocation records are missing from the store; a CRL without them would un-revoke certificates"},
		{many, "jjjj, and 2 more, whose revocation records are missing"},
	} {
		err := error(&ca.LostRevocationsError{Issuer: "issuing", CRLNumber: big.NewInt(3), Serials: tc.serials})
		if !errors.Is(err, ca.ErrDamaged) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `run "ca store check" and restore the store from a backup`) {
			t.Errorf("%v: %q, want it to contain %q", tc.serials, err, tc.want)
		}
	}
}
