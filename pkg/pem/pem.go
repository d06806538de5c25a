// Package pem owns the framing of everything the toolkit reads and writes:
// PEM and DER for certificates, CSRs, CRLs and keys, encrypted PKCS#8 private
// keys, key generation, and reading a key file that only its owner can
// read. Writing files is package place's.
//
// It does not interpret what is inside a certificate or a CSR; pkg/csr and
// pkg/ca do that.
package pem

import (
	"bytes"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Block types the toolkit reads and writes (RFC 7468).
const (
	TypeCertificate  = "CERTIFICATE"
	TypeCSR          = "CERTIFICATE REQUEST"
	TypeCRL          = "X509 CRL"
	TypePrivateKey   = "PRIVATE KEY"
	TypeEncryptedKey = "ENCRYPTED PRIVATE KEY"
)

// Size limits for input. A certificate, CSR or key over MaxSize and a CRL over
// MaxCRLSize is refused before it is parsed.
const (
	MaxSize    = 1 << 20
	MaxCRLSize = 256 << 20
)

var (
	// ErrMalformed is wrapped by every error about input that does not parse.
	ErrMalformed = errors.New("pem: malformed input")
	// ErrTooLarge is returned for input over its size limit.
	ErrTooLarge = errors.New("pem: input is too large")
)

// FormatError says what was expected and what was found instead.
type FormatError struct {
	Want   string // the expected block type
	Found  string // what was found: a block type, "no PEM block", "2 blocks", ...
	Detail string
}

func (e *FormatError) Error() string {
	msg := fmt.Sprintf("pem: expected one %s block, found %s", e.Want, e.Found)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Is makes every FormatError match ErrMalformed.
func (e *FormatError) Is(target error) bool { return target == ErrMalformed }

// Encode returns der as a PEM block of the given type.
func Encode(blockType string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der})
}

// ReadAll reads r up to limit bytes; it returns ErrTooLarge without reading
// further when r holds more.
func ReadAll(r io.Reader, limit int) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("pem: read input: %w", err)
	}
	if len(data) > limit {
		return nil, fmt.Errorf("%w (more than %d bytes)", ErrTooLarge, limit)
	}
	return data, nil
}

// Blocks returns the DER of each PEM block of data, in order, while the
// blocks are of type want; at a block of another type it stops and names
// that type in other ("" when every block was of type want). Text around
// the blocks is skipped; data that holds no PEM block gives none.
func Blocks(data []byte, want string) (ders [][]byte, other string) {
	for rest := data; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return ders, ""
		}
		if b.Type != want {
			return ders, b.Type
		}
		ders = append(ders, b.Bytes)
	}
}

// IsPEM reports whether data holds a PEM begin line.
func IsPEM(data []byte) bool {
	return bytes.Contains(data, []byte("-----BEGIN "))
}

// Decode returns the DER inside data, which is either PEM holding exactly one
// block of one of the wanted types and no headers (text outside the block is
// skipped, as RFC 7468 allows) or DER with no trailing data. The first wanted
// type names the block in errors. Input over limit is refused with ErrTooLarge.
func Decode(data []byte, limit int, want ...string) (der []byte, blockType string, err error) {
	if len(data) > limit {
		return nil, "", fmt.Errorf("%w (%d bytes, the limit is %d)", ErrTooLarge, len(data), limit)
	}
	if !IsPEM(data) {
		if err := checkDER(data); err != nil {
			return nil, "", &FormatError{Want: want[0], Found: "no PEM block", Detail: "and not DER: " + err.Error()}
		}
		return data, "", nil
	}
	var found *pem.Block
	n := 0
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		n++
		if found == nil {
			found = b
		}
	}
	switch {
	case n == 0:
		return nil, "", &FormatError{Want: want[0], Found: "a broken PEM block"}
	case n > 1:
		return nil, "", &FormatError{Want: want[0], Found: fmt.Sprintf("%d PEM blocks", n)}
	}
	if !slices.Contains(want, found.Type) {
		return nil, "", &FormatError{Want: want[0], Found: "a " + found.Type + " block"}
	}
	if len(found.Headers) > 0 {
		return nil, "", &FormatError{Want: want[0], Found: "a block with PEM headers", Detail: "legacy encrypted PEM is not supported; use PKCS#8"}
	}
	if err := checkDER(found.Bytes); err != nil {
		return nil, "", &FormatError{Want: want[0], Found: "a " + found.Type + " block", Detail: err.Error()}
	}
	return found.Bytes, found.Type, nil
}

// checkDER checks that data is exactly one ASN.1 SEQUENCE with nothing after it.
func checkDER(data []byte) error {
	var raw asn1.RawValue
	rest, err := asn1.Unmarshal(data, &raw)
	if err != nil {
		return fmt.Errorf("not ASN.1 DER: %v", err)
	}
	if raw.Class != asn1.ClassUniversal || raw.Tag != asn1.TagSequence {
		return errors.New("not an ASN.1 SEQUENCE")
	}
	if len(rest) > 0 {
		return fmt.Errorf("%d bytes of trailing data", len(rest))
	}
	return nil
}
