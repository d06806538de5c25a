package ca

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// SerialBytes is the fixed width of a serial in store keys: 159 random bits
// fit in 20 octets, the most RFC 5280, 4.1.2.2 allows.
const SerialBytes = 20

// ErrBadSerial is returned by ParseSerial for text that is not a serial.
var ErrBadSerial = errors.New("ca: bad serial")

// NewSerial draws a serial of 159 random bits from crypto/rand: 20 octets with
// the top bit cleared, so it is positive and at most 20 octets in DER
// (RFC 5280, 4.1.2.2). It is never zero.
func NewSerial() (*big.Int, error) {
	var b [SerialBytes]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("ca: draw serial: %w", err)
		}
		b[0] &= 0x7f
		if s := new(big.Int).SetBytes(b[:]); s.Sign() > 0 {
			return s, nil
		}
	}
}

// FormatSerial returns s as lower-case hex of its big-endian octets, as
// `ca list` and the JSON output show it.
func FormatSerial(s *big.Int) string {
	if s == nil || s.Sign() == 0 {
		return "00"
	}
	return hex.EncodeToString(s.Bytes())
}

// ParseSerial reads a serial in hex: either case, with or without leading
// zeros or colons (as openssl prints them).
func ParseSerial(text string) (*big.Int, error) {
	h := strings.ReplaceAll(strings.TrimSpace(text), ":", "")
	h = strings.TrimPrefix(strings.TrimPrefix(h, "0x"), "0X")
	if h == "" {
		return nil, fmt.Errorf("%w: empty serial (copy one from \"ca list\")", ErrBadSerial)
	}
	if len(h) > 2*SerialBytes+16 {
		return nil, fmt.Errorf("%w: serial %.20q... is too long (copy one from \"ca list\")", ErrBadSerial, text)
	}
	s, ok := new(big.Int).SetString(h, 16)
	if !ok || s.Sign() < 0 {
		return nil, fmt.Errorf("%w: serial %q is not hexadecimal (copy it from \"ca list\")", ErrBadSerial, text)
	}
	return s, nil
}

// SerialKey returns s as a fixed-width big-endian key that sorts like the
// number, or false when s does not fit in SerialBytes octets.
func SerialKey(s *big.Int) ([]byte, bool) {
	if s.Sign() < 0 || s.BitLen() > 8*SerialBytes {
		return nil, false
	}
	var k [SerialBytes]byte
	s.FillBytes(k[:])
	return k[:], true
}
