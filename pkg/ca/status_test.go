package ca_test

import (
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

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
