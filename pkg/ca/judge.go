package ca

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ca-toolkit/ca/pkg/csr"
)

// ErrNoKey is returned by the signing methods of an Issuer made by NewJudge,
// which holds no private key.
var ErrNoKey = errors.New("ca: the issuer was opened without its key; it can judge requests but not sign")

// NewJudge returns an Issuer that judges requests with the certificate and
// policy of cfg but holds no key and no store: cfg.Signer and cfg.Store are
// ignored, and Sign, Prepare and Issue fail with ErrNoKey. A dry run ("ca
// policy check") uses it, so it needs neither the passphrase nor a write
// lock. Name and Cert are required; Cert must be a CA with keyCertSign.
func NewJudge(cfg IssuerConfig) (*Issuer, error) {
	switch {
	case cfg.Name == "" || cfg.Cert == nil:
		return nil, errors.New("ca: judge config needs Name and Cert")
	case !cfg.Cert.IsCA || cfg.Cert.KeyUsage&x509.KeyUsageCertSign == 0:
		return nil, fmt.Errorf("%w: issuer %s is not a CA with keyCertSign", ErrRefused, cfg.Name)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	policy := cfg.Policy
	if policy == nil {
		policy = csr.DefaultPolicy(cfg.Cert.Subject)
	}
	keys := append([]crypto.PublicKey{cfg.Cert.PublicKey}, cfg.IssuerKeys...)
	return &Issuer{name: cfg.Name, cert: cfg.Cert, chain: cfg.Chain, signer: noKeySigner{cfg.Cert.PublicKey},
		now: now, policy: policy, issuerKeys: keys}, nil
}

// noKeySigner stands in for the key of an Issuer made by NewJudge.
type noKeySigner struct{ pub crypto.PublicKey }

func (s noKeySigner) Public() crypto.PublicKey { return s.pub }

func (noKeySigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, ErrNoKey
}

// RefusedError is the error of Prepare for a request that breaks a rule: it
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
