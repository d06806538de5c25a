package ca_test

import (
	"math/big"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

func TestCRLRevocationLost(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	for _, tc := range []struct {
		name string
		r    ca.CRLRevocation
		want string
	}{
		{"key compromise", ca.CRLRevocation{Revocation: ca.Revocation{Serial: big.NewInt(0x0a), Issuer: "root", RevokedAt: at, Reason: ca.ReasonKeyCompromise}, CRLNumber: big.NewInt(4)},
			"serial 0a is revoked on CRL 4 of issuer root (at 2026-03-01T11:00:00Z, reason keyCompromise), but the store has no record of the revocation: it was lost to damage or deleted behind the toolkit's back"},
		{"unspecified", ca.CRLRevocation{Revocation: ca.Revocation{Serial: big.NewInt(0x1234), Issuer: "issuing", RevokedAt: at.UTC()}, CRLNumber: big.NewInt(12)},
			"serial 1234 is revoked on CRL 12 of issuer issuing (at 2026-03-01T11:00:00Z, reason unspecified), but the store has no record of the revocation: it was lost to damage or deleted behind the toolkit's back"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.Lost(); got != tc.want {
				t.Errorf("Lost() =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
