package ca

import (
	"crypto"
	"errors"
	"io"

	"github.com/ca-toolkit/ca/pkg/csr"
)

// ErrNoKey is returned by the signing methods of an Issuer made by NewJudge,
// which holds no private key.
var ErrNoKey = errors.New("ca: the issuer was opened without its key; it can judge requests but not sign")

// NewJudge returns an Issuer that judges requests with the certificate and
// policy of cfg but holds no key and no store: cfg.Signer and cfg.Store are
// ignored, and Sign, SignLeaf, Issue and SignNewKey fail with ErrNoKey. A dry run ("ca
// policy check") uses it, so it needs neither the passphrase nor a write
// lock. Name and Cert are required; Cert must be a CA with keyCertSign.
func NewJudge(cfg IssuerConfig) (*Issuer, error) {
	cfg.Store = nil
	cfg.Signer = nil
	if cfg.Cert != nil {
		cfg.Signer = noKeySigner{cfg.Cert.PublicKey}
	}
	return newIssuer(cfg)
}

// noKeySigner stands in for the key of an Issuer made by NewJudge.
type noKeySigner struct{ pub crypto.PublicKey }

func (s noKeySigner) Public() crypto.PublicKey { return s.pub }

func (noKeySigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, ErrNoKey
}

// RefusedError is the error of Sign (and Issue) for a request that breaks a rule: it
// reads as its *csr.RefusalError (which errors.As finds through Unwrap) and
// matches ErrRefused, so callers may branch either way.
type RefusedError struct{ Refusal *csr.RefusalError }

func (e *RefusedError) Error() string        { return e.Refusal.Error() }
func (e *RefusedError) Unwrap() error        { return e.Refusal }
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// refused wraps a judgement's error as a *RefusedError.
func refused(err error) error {
	var re *csr.RefusalError
	if errors.As(err, &re) {
		return &RefusedError{Refusal: re}
	}
	return err
}
