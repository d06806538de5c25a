package store

import (
	"encoding/json"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

var key20 = []byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78}

// TestRevocationEncoding: the compact encoding round-trips every field,
// including far-future notAfter (9999-12-31, RFC 5280, 4.1.2.5) and sub-second
// times; records in the earlier JSON form still decode.
func TestRevocationEncoding(t *testing.T) {
	serial := new(big.Int).SetBytes(key20)
	for _, r := range []ca.Revocation{
		{Serial: serial, Issuer: "issuing", NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), RevokedAt: time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC), Reason: ca.ReasonKeyCompromise},
		{Serial: serial, Issuer: "root", NotAfter: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), RevokedAt: time.Date(2026, 5, 6, 7, 8, 9, 123, time.UTC), Reason: ca.ReasonAACompromise,
			InvalidityDate: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)},
		{Serial: serial, Issuer: "", NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), RevokedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		v, err := encodeRevocation(&r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeRevocation(key20, v)
		if err != nil {
			t.Fatal(err)
		}
		if got.Serial.Cmp(r.Serial) != 0 || got.Issuer != r.Issuer || !got.NotAfter.Equal(r.NotAfter) || !got.RevokedAt.Equal(r.RevokedAt) ||
			got.Reason != r.Reason || !got.InvalidityDate.Equal(r.InvalidityDate) || got.InvalidityDate.IsZero() != r.InvalidityDate.IsZero() {
			t.Errorf("round trip: got %+v, want %+v", got, r)
		}
		legacy, _ := json.Marshal(revJSON{Issuer: r.Issuer, NotAfter: r.NotAfter, RevokedAt: r.RevokedAt, Reason: r.Reason, InvalidityDate: r.InvalidityDate})
		old, err := decodeRevocation(key20, legacy)
		if err != nil || !old.RevokedAt.Equal(r.RevokedAt) || old.Reason != r.Reason || old.InvalidityDate.IsZero() != r.InvalidityDate.IsZero() {
			t.Errorf("legacy JSON: %+v, %v", old, err)
		}
		for i := range v {
			if _, err := decodeRevocation(key20, v[:i]); err == nil && i > 0 {
				t.Errorf("truncated to %d bytes: decodes", i)
			} else if i > 0 && !errors.Is(err, ErrCorrupt) {
				t.Errorf("truncated to %d bytes: %v, want ErrCorrupt", i, err)
			}
		}
	}
}

func TestCRLEncoding(t *testing.T) {
	rec := &ca.CRLRecord{Issuer: "root", Number: big.NewInt(7), ThisUpdate: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		NextUpdate: time.Date(2027, 1, 8, 0, 0, 0, 0, time.UTC), Entries: 3, DER: []byte{0x30, 0x03, 1, 2, 3}}
	v, err := encodeCRL(rec)
	if err != nil {
		t.Fatal(err)
	}
	k := u64(7)
	got, err := decodeCRL("root", k, v)
	if err != nil || got.Number.Int64() != 7 || !got.NextUpdate.Equal(rec.NextUpdate) || got.Entries != 3 || string(got.DER) != string(rec.DER) {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	v[len(v)-1] = 9 // the decoded DER is a copy, not the store's memory
	if got.DER[len(got.DER)-1] != 3 {
		t.Fatal("decoded DER aliases the record")
	}
	legacy, _ := json.Marshal(crlJSON{Number: "7", ThisUpdate: rec.ThisUpdate, NextUpdate: rec.NextUpdate, Entries: 3, DER: rec.DER})
	if old, err := decodeCRL("root", k, legacy); err != nil || string(old.DER) != string(rec.DER) {
		t.Fatalf("legacy JSON: %+v, %v", old, err)
	}
	if _, err := decodeCRL("root", u64(8), v); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("number mismatch: %v", err)
	}
	if _, err := decodeCRL("root", k, v[:3]); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("truncated: %v", err)
	}
}

// FuzzDecodeRevocation: no input panics; whatever decodes re-encodes to
// something that decodes the same.
func FuzzDecodeRevocation(f *testing.F) {
	r := ca.Revocation{Issuer: "x", NotAfter: time.Unix(1e9, 0), RevokedAt: time.Unix(1e9, 5), Reason: 4, InvalidityDate: time.Unix(9e8, 0)}
	v, _ := encodeRevocation(&r)
	f.Add(v)
	f.Add([]byte(`{"issuer":"x","reason":1}`))
	f.Add([]byte{1, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, v []byte) {
		got, err := decodeRevocation(key20, v)
		if err != nil {
			return
		}
		again, err := encodeRevocation(got)
		if err != nil {
			return // a time that does not encode (zone offsets) came from JSON
		}
		back, err := decodeRevocation(key20, again)
		if err != nil || back.Reason != got.Reason || back.Issuer != got.Issuer || !back.RevokedAt.Equal(got.RevokedAt) {
			t.Fatalf("re-encoding: %+v -> %+v, %v", got, back, err)
		}
	})
}
