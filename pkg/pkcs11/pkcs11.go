// Package pkcs11 owns issuer keys kept in PKCS#11 tokens (HSMs, smart
// cards, SoftHSM2): parsing the RFC 7512 URI that names a key, opening the
// module, logging in with a PIN read from a file, and finding or generating
// a key pair (P-256, P-384, RSA 2048/3072/4096; generated sensitive and
// never extractable) that signs as a crypto.Signer.
//
// It does not read flags or the environment: the module's path and the
// PIN file come from Config. It does not know the home: which key an
// issuer uses is the home's business. Tokens need cgo (the module is a C
// library loaded at run time); a binary built with CGO_ENABLED=0 compiles
// this package but every Open returns ErrNotSupported.
package pkcs11

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// Errors callers branch on. Each is wrapped with what failed and what to do.
var (
	// ErrUsage: the URI or the configuration is wrong (a usage error).
	ErrUsage = errors.New("pkcs11: bad key URI or settings")
	// ErrPINValue: the URI holds pin-value; PINs never come from argv.
	ErrPINValue = errors.New("pkcs11: the key URI holds pin-value: a PIN on the command line shows in ps and shell history; put it in a file and use pin-source=file:PATH or CA_PKCS11_PIN_FILE")
	// ErrModule: the module is not given, missing or cannot be loaded.
	ErrModule = errors.New("pkcs11: PKCS#11 module")
	// ErrWrongPIN: the token refused the PIN (or the PIN is locked).
	ErrWrongPIN = errors.New("pkcs11: wrong PIN")
	// ErrTokenNotFound: no token with the URI's label is present.
	ErrTokenNotFound = errors.New("pkcs11: token not found")
	// ErrKeyNotFound: the token holds no key pair the URI names.
	ErrKeyNotFound = errors.New("pkcs11: key not found")
	// ErrNotSupported: this binary was built without cgo.
	ErrNotSupported = errors.New("pkcs11: this ca was built without PKCS#11 support (CGO_ENABLED=0); use a ca built with cgo (go build ./cmd/ca, make build)")
)

// Config is what Open needs: the module and where the PIN is.
type Config struct {
	// Module is the path of the PKCS#11 module (a shared library such as
	// /usr/lib/softhsm/libsofthsm2.so); required.
	Module string
	// PINFile is the file whose first line is the PIN, used when the URI
	// has no pin-source.
	PINFile string
}

// maxPINFile bounds a PIN file; a PIN is a few bytes.
const maxPINFile = 4096

// pin reads the PIN from the URI's pin-source, else cfg.PINFile: the first
// line, without its line end. A PIN file's absence is a failure (exit 1),
// not a missing argument: it does not wrap fs.ErrNotExist.
func (cfg Config) pin(u *URI) (string, error) {
	path := u.PINSource
	if path == "" {
		path = cfg.PINFile
	}
	if path == "" {
		return "", usagef("the token %q needs a PIN: add pin-source=file:PATH to the key URI or set CA_PKCS11_PIN_FILE", u.Token)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("pkcs11: PIN file: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPINFile+1))
	if err != nil {
		return "", fmt.Errorf("pkcs11: PIN file %s: %v", path, err)
	}
	if len(data) > maxPINFile {
		return "", usagef("PIN file %s is over %d bytes", path, maxPINFile)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	line = strings.TrimSuffix(line, "\r")
	if line == "" {
		return "", usagef("PIN file %s is empty", path)
	}
	return line, nil
}

// checkModule refuses a module that is not given or not a file, naming it.
func (cfg Config) checkModule() error {
	if cfg.Module == "" {
		return fmt.Errorf("%w not given: use --pkcs11-module PATH or set CA_PKCS11_MODULE (e.g. /usr/lib/softhsm/libsofthsm2.so); nothing was written", ErrModule)
	}
	fi, err := os.Stat(cfg.Module)
	if err != nil {
		return fmt.Errorf("%w %s is missing (%v): check --pkcs11-module or CA_PKCS11_MODULE; nothing was written", ErrModule, cfg.Module, errors.Unwrap(err))
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w %s is not a regular file: check --pkcs11-module or CA_PKCS11_MODULE; nothing was written", ErrModule, cfg.Module)
	}
	return nil
}

// Key is a key pair on a token, with the module session that reaches it
// open until Close. It is a crypto.Signer; Sign is safe for concurrent use
// (each call takes a session from a pool).
type Key struct {
	signer  crypto.Signer
	close   func() error
	destroy func() error
	// Created says OpenOrGenerate generated the key pair.
	Created bool
	// URI names the key pair: the URI given, with the id of a generated key.
	URI *URI
}

// Public returns the key's public half.
func (k *Key) Public() crypto.PublicKey { return k.signer.Public() }

// Sign signs digest with the key on the token.
func (k *Key) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	sig, err := k.signer.Sign(rand, digest, opts)
	if err != nil {
		return nil, fmt.Errorf("pkcs11: sign on the token: %w", err)
	}
	return sig, nil
}

// Close closes the sessions and releases the module.
func (k *Key) Close() error {
	if k.close == nil {
		return nil
	}
	c := k.close
	k.close = nil
	return c()
}

// Destroy deletes the key pair from the token: for a key just generated
// whose certificate could not be made. The Key must still be open.
func (k *Key) Destroy() error { return k.destroy() }

// Supported kinds of generated keys.
var generated = map[pem.KeyType]bool{
	pem.ECDSAP256: true, pem.ECDSAP384: true, pem.RSA2048: true, pem.RSA3072: true, pem.RSA4096: true,
}

// usageError is a usage error: it matches ErrUsage and what it wraps.
type usageError struct {
	msg string
	err error
}

func (e *usageError) Error() string        { return "pkcs11: " + e.msg }
func (e *usageError) Is(target error) bool { return target == ErrUsage }
func (e *usageError) Unwrap() error        { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// Type returns the kind of the key pair (pem.ECDSAP256, pem.RSA3072, ...),
// or "" for a kind ca does not make.
func (k *Key) Type() pem.KeyType {
	switch p := k.Public().(type) {
	case *ecdsa.PublicKey:
		return map[string]pem.KeyType{"P-256": pem.ECDSAP256, "P-384": pem.ECDSAP384}[p.Curve.Params().Name]
	case *rsa.PublicKey:
		return map[int]pem.KeyType{2048: pem.RSA2048, 3072: pem.RSA3072, 4096: pem.RSA4096}[p.N.BitLen()]
	}
	return ""
}
