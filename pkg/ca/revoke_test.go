package ca_test

import (
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

func TestParseSerial(t *testing.T) {
	want, _ := new(big.Int).SetString("0a1b2c3d4e5f", 16)
	for _, in := range []string{"0a1b2c3d4e5f", "A1B2C3D4E5F", "0A:1B:2C:3D:4E:5F", "00000a1b2c3d4e5f", " 0x0a1b2c3d4e5f\n", "0a:1b:2C:3d:4E:5f"} {
		got, err := ca.ParseSerial(in)
		if err != nil || got.Cmp(want) != 0 {
			t.Errorf("ParseSerial(%q) = %v, %v; want %x", in, got, err, want)
		}
	}
	for _, in := range []string{"", "xyz", "12g4", "-5", ":", "0x", "12 34", "１２"} {
		if _, err := ca.ParseSerial(in); !errors.Is(err, ca.ErrBadSerial) {
			t.Errorf("ParseSerial(%q): err = %v, want ErrBadSerial", in, err)
		}
	}
	if got := ca.FormatSerial(want); got != "0a1b2c3d4e5f" {
		t.Errorf("FormatSerial = %q", got)
	}
}

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

func TestCertRecordStatus(t *testing.T) {
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		rec  ca.CertRecord
		want string
	}{
		{"valid", ca.CertRecord{NotAfter: now.Add(time.Second)}, ca.StatusValid},
		{"valid through notAfter", ca.CertRecord{NotAfter: now}, ca.StatusValid},
		{"expired", ca.CertRecord{NotAfter: now.Add(-time.Second)}, ca.StatusExpired},
		{"revoked", ca.CertRecord{NotAfter: now.Add(time.Hour), Revocation: &ca.Revocation{}}, ca.StatusRevoked},
		{"revoked and expired", ca.CertRecord{NotAfter: now.Add(-time.Hour), Revocation: &ca.Revocation{}}, ca.StatusRevoked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.rec.Status(now); got != tc.want {
				t.Fatalf("Status = %s, want %s", got, tc.want)
			}
		})
	}
}

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
