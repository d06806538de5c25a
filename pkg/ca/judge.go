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
