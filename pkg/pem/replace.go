package pem

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Kind is the kind of artefact an output file holds, for CheckReplace.
type Kind int

// Kinds an --out file may hold. A file is replaced only by one of its kind.
const (
	KindCertificate Kind = iota + 1 // one or more certificates (a leaf, a chain), PEM or DER
	KindCRL                         // one CRL, PEM or DER
)

func (k Kind) String() string {
	switch k {
	case KindCertificate:
		return "certificate"
	case KindCRL:
		return "CRL"
	}
	return "file"
}

// ErrOtherKind is returned by CheckReplace for an existing file that does
// not hold an artefact of the kind that would replace it.
var ErrOtherKind = errors.New("pem: will not replace a file of another kind")

// CheckReplace returns nil when path does not exist, or when it is a regular
// file that holds a whole artefact of kind (a CRL over a CRL, a certificate
// over a certificate): the only files an --out may replace. A key, a store,
// or anything that does not parse as kind is ErrOtherKind, naming what the
// file seems to hold. Package place's CheckFile runs it after CheckWritable,
// which refuses a symlink, directory or device (ErrNotRegular); on its own
// it refuses them as ErrOtherKind.
func CheckReplace(path string, kind Kind) error {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is not a regular file; name a new file", ErrOtherKind, path)
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pem: check %s: %w", path, err)
	}
	defer f.Close()
	limit := MaxSize
	if kind == KindCRL {
		limit = MaxCRLSize
	}
	data, err := ReadAll(f, limit)
	if err == nil && holds(data, kind) {
		return nil
	}
	return fmt.Errorf("%w: %s holds %s, not a %s; name a new file or move it away", ErrOtherKind, path, describeContent(data), kind)
}

// holds reports whether data is a whole artefact of kind: PEM blocks all of
// its type that parse, or DER that parses.
func holds(data []byte, kind Kind) bool {
	parse := func(der []byte) bool { _, err := x509.ParseCertificate(der); return err == nil }
	blockType := TypeCertificate
	if kind == KindCRL {
		parse = func(der []byte) bool { _, err := x509.ParseRevocationList(der); return err == nil }
		blockType = TypeCRL
	}
	if !IsPEM(data) {
		return len(data) > 0 && parse(data)
	}
	n := 0
	for rest := data; ; n++ {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != blockType || !parse(b.Bytes) || (kind == KindCRL && n > 0) {
			return false
		}
	}
	return n > 0
}

// describeContent names what a file that is not of the expected kind seems
// to hold, for the refusal.
func describeContent(data []byte) string {
	switch {
	case len(data) == 0:
		return "nothing (it is empty)"
	case bytes.Contains(data, []byte("PRIVATE KEY-----")):
		return "a private key"
	case bytes.Contains(data, []byte("-----BEGIN "+TypeCSR)):
		return "a certificate request"
	case bytes.Contains(data, []byte("-----BEGIN "+TypeCRL)):
		return "a CRL"
	case bytes.Contains(data, []byte("-----BEGIN "+TypeCertificate)):
		return "certificates"
	case isBolt(data):
		return "a bbolt store"
	}
	return "something else"
}

// isBolt reports whether data starts like a bbolt file: its first meta page
// carries the magic 0xED0CDAED after the 16-byte page header.
func isBolt(data []byte) bool {
	return len(data) >= 20 && bytes.Equal(data[16:20], []byte{0xed, 0xda, 0x0c, 0xed})
}

// Check is CheckReplace(path, k): a File.Check of package place, for an
// output that may replace only an artefact of kind k.
func (k Kind) Check(path string) error { return CheckReplace(path, k) }
