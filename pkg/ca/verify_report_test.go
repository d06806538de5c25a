package ca_test

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// TestVerifyReport: an empty chain is [], a revocation and a CRL that
// lists the certificate are reported, and the text shows who issued each
// link.
func TestVerifyReport(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rev := ca.Revocation{Serial: big.NewInt(0x3f), Issuer: "issuing", RevokedAt: at}
	for _, tc := range []struct {
		name     string
		v        ca.Verification
		wantJSON string
		wantText string
	}{
		{"untrusted, no chain", ca.Verification{Status: ca.VerifyUntrusted, Detail: "no chain"},
			`{"file":"f.pem","status":"untrusted","detail":"no chain","chain":[],"revocation":null,"revokedOnCRL":null}`, "f.pem: OK\n"},
		{"good", ca.Verification{Status: ca.VerifyGood, Chain: []ca.ChainLink{{Serial: "3f", Subject: "CN=a\n", Issuer: "issuing"}, {Serial: "01", Subject: "CN=root"}}},
			`{"file":"f.pem","status":"good","detail":"","chain":[{"serial":"3f","subject":"CN=a\n","issuer":"issuing"},{"serial":"01","subject":"CN=root","issuer":""}],"revocation":null,"revokedOnCRL":null}`,
			"f.pem: OK\n  \"CN=a\\n\" (serial 3f, issued by issuing)\n    CN=root (serial 01)\n"},
		{"revoked on the last CRL", ca.Verification{Status: ca.VerifyRevoked, Revoked: &rev, RevokedOn: &ca.CRLRevocation{Revocation: rev, CRLNumber: big.NewInt(4)}},
			`{"file":"f.pem","status":"revoked","detail":"","chain":[],"revocation":{"serial":"3f","issuer":"issuing","revokedAt":"2026-01-02T03:04:05Z","reason":"unspecified","invalidityDate":null},"revokedOnCRL":{"issuer":"issuing","number":4}}`,
			"f.pem: OK\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.v.Report("f.pem")
			got, err := json.Marshal(r)
			if err != nil || string(got) != tc.wantJSON {
				t.Errorf("JSON %s (%v), want %s", got, err, tc.wantJSON)
			}
			var b strings.Builder
			if err := r.WriteText(&b); err != nil || b.String() != tc.wantText {
				t.Errorf("text %q (%v), want %q", b.String(), err, tc.wantText)
			}
		})
	}
}
