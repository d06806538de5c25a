//go:build !cgo

package pkcs11

import (
	"fmt"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// Open needs cgo: in this build it returns ErrNotSupported.
func Open(cfg Config, u *URI) (*Key, error) {
	return nil, fmt.Errorf("%w; the key is %s", ErrNotSupported, u)
}

// OpenOrGenerate needs cgo: in this build it returns ErrNotSupported.
func OpenOrGenerate(cfg Config, u *URI, kt pem.KeyType) (*Key, error) {
	return Open(cfg, u)
}
