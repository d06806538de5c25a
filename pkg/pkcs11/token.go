//go:build cgo

package pkcs11

import (
	"crypto"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/ThalesGroup/crypto11"
	p11 "github.com/miekg/pkcs11"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// Open opens the module of cfg, logs in to the token u names with the PIN
// and finds the key pair u names. Errors match ErrModule, ErrWrongPIN,
// ErrTokenNotFound, ErrKeyNotFound or ErrUsage, and say which. The caller
// closes the key.
func Open(cfg Config, u *URI) (*Key, error) {
	ctx, err := configure(cfg, u)
	if err != nil {
		return nil, err
	}
	signer, err := find(ctx, u)
	if err == nil && signer == nil {
		err = fmt.Errorf("%w: token %q holds no key pair %s; nothing was written", ErrKeyNotFound, u.Token, describe(u))
	}
	if err != nil {
		ctx.Close()
		return nil, err
	}
	return newKey(ctx, signer, u, false), nil
}

// OpenOrGenerate is Open, except that when the token holds no key pair u
// names it generates one of type kt (P-256, P-384, RSA 2048/3072/4096):
// on the token, sensitive and never extractable (CKA_SENSITIVE true,
// CKA_EXTRACTABLE false), signing only. Without an id in u the new pair
// gets a random 16-byte CKA_ID, which the returned Key's URI carries.
func OpenOrGenerate(cfg Config, u *URI, kt pem.KeyType) (*Key, error) {
	if !generated[kt] {
		return nil, usagef("a key of type %s cannot be made on a token: use ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072 or rsa-4096", kt)
	}
	ctx, err := configure(cfg, u)
	if err != nil {
		return nil, err
	}
	signer, err := find(ctx, u)
	if err == nil && signer != nil {
		return newKey(ctx, signer, u, false), nil
	}
	if err == nil {
		var nu *URI
		signer, nu, err = generate(ctx, u, kt)
		u = nu
	}
	if err != nil {
		ctx.Close()
		return nil, err
	}
	return newKey(ctx, signer, u, true), nil
}

func newKey(ctx *crypto11.Context, signer crypto11.Signer, u *URI, created bool) *Key {
	return &Key{signer: signer, close: ctx.Close, destroy: signer.Delete, Created: created, URI: u}
}

// configure opens the module, finds the token and logs in.
func configure(cfg Config, u *URI) (*crypto11.Context, error) {
	if err := cfg.checkModule(); err != nil {
		return nil, err
	}
	pin, err := cfg.pin(u)
	if err != nil {
		return nil, err
	}
	ctx, err := crypto11.Configure(&crypto11.Config{Path: cfg.Module, TokenLabel: u.Token, Pin: pin})
	if err != nil {
		return nil, configureError(cfg, u, err)
	}
	return ctx, nil
}

// configureError names what crypto11.Configure failed at.
func configureError(cfg Config, u *URI, err error) error {
	var rv p11.Error
	switch {
	case strings.Contains(err.Error(), "could not find PKCS#11 token"): // crypto11 v1.6.2's unexported errTokenNotFound
		return fmt.Errorf("%w: no token labelled %q in module %s (p11tool --list-tokens --provider %[3]s shows them); nothing was written", ErrTokenNotFound, u.Token, cfg.Module)
	case errors.As(err, &rv) && (rv == p11.CKR_PIN_INCORRECT || rv == p11.CKR_PIN_LEN_RANGE || rv == p11.CKR_PIN_INVALID):
		return fmt.Errorf("%w: token %q refused the PIN (%v); check the PIN file; nothing was written", ErrWrongPIN, u.Token, rv)
	case errors.As(err, &rv) && (rv == p11.CKR_PIN_LOCKED || rv == p11.CKR_PIN_EXPIRED):
		return fmt.Errorf("%w: the PIN of token %q is locked or expired (%v): unlock it with the SO PIN; nothing was written", ErrWrongPIN, u.Token, rv)
	case strings.Contains(err.Error(), "failed to open module"), strings.Contains(err.Error(), "failed to initialize module"):
		return fmt.Errorf("%w %s cannot be loaded (%v): check --pkcs11-module or CA_PKCS11_MODULE; nothing was written", ErrModule, cfg.Module, err)
	}
	return fmt.Errorf("pkcs11: open token %q in module %s: %w; nothing was written", u.Token, cfg.Module, err)
}

// find returns the one key pair u names, nil when there is none.
func find(ctx *crypto11.Context, u *URI) (crypto11.Signer, error) {
	var label []byte
	if u.Object != "" {
		label = []byte(u.Object)
	}
	found, err := ctx.FindKeyPairs(u.ID, label)
	if err != nil {
		return nil, fmt.Errorf("pkcs11: find key pair %s on token %q: %w", describe(u), u.Token, err)
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return found[0], nil
	}
	return nil, usagef("%d key pairs on token %q match %s: add id=%%.. to the key URI (p11tool --list-privkeys shows the ids)", len(found), u.Token, describe(u))
}

// generate makes the key pair u names, of type kt.
func generate(ctx *crypto11.Context, u *URI, kt pem.KeyType) (crypto11.Signer, *URI, error) {
	nu := *u
	if len(nu.ID) == 0 {
		nu.ID = make([]byte, 16)
		if _, err := rand.Read(nu.ID); err != nil {
			return nil, nil, fmt.Errorf("pkcs11: key id: %w", err)
		}
	}
	pub, priv, err := attributes(&nu)
	if err != nil {
		return nil, nil, err
	}
	var signer crypto11.Signer
	switch kt {
	case pem.ECDSAP256, pem.ECDSAP384:
		curve := map[pem.KeyType]elliptic.Curve{pem.ECDSAP256: elliptic.P256(), pem.ECDSAP384: elliptic.P384()}[kt]
		signer, err = ctx.GenerateECDSAKeyPairWithAttributes(pub, priv, curve)
	default:
		bits := map[pem.KeyType]int{pem.RSA2048: 2048, pem.RSA3072: 3072, pem.RSA4096: 4096}[kt]
		var rsaKey crypto11.SignerDecrypter
		rsaKey, err = ctx.GenerateRSAKeyPairWithAttributes(pub, priv, bits)
		if err == nil {
			signer = rsaKey
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("pkcs11: generate a %s key pair %s on token %q: %w; nothing was written", kt, describe(&nu), u.Token, err)
	}
	return signer, &nu, nil
}

// attributes are the templates of a new key pair: its id and label, and a
// private half that is private, sensitive, never extractable and signs
// only (no decrypt, no unwrap, no derive).
func attributes(u *URI) (pub, priv crypto11.AttributeSet, err error) {
	pub, priv = crypto11.NewAttributeSet(), crypto11.NewAttributeSet()
	for _, set := range []crypto11.AttributeSet{pub, priv} {
		if err := set.Set(crypto11.CkaId, u.ID); err != nil {
			return nil, nil, fmt.Errorf("pkcs11: key attributes: %w", err)
		}
		if u.Object != "" {
			if err := set.Set(crypto11.CkaLabel, []byte(u.Object)); err != nil {
				return nil, nil, fmt.Errorf("pkcs11: key attributes: %w", err)
			}
		}
	}
	for _, a := range []struct {
		set crypto11.AttributeSet
		t   crypto11.AttributeType
		v   bool
	}{
		{pub, crypto11.CkaEncrypt, false}, {pub, crypto11.CkaWrap, false},
		{priv, crypto11.CkaPrivate, true}, {priv, crypto11.CkaSensitive, true}, {priv, crypto11.CkaExtractable, false},
		{priv, crypto11.CkaSign, true}, {priv, crypto11.CkaDecrypt, false}, {priv, crypto11.CkaUnwrap, false}, {priv, crypto11.CkaDerive, false},
	} {
		if err := a.set.Set(a.t, a.v); err != nil {
			return nil, nil, fmt.Errorf("pkcs11: key attributes: %w", err)
		}
	}
	return pub, priv, nil
}

// describe names the key of u in messages: object="O" id=%01.
func describe(u *URI) string {
	var parts []string
	if u.Object != "" {
		parts = append(parts, fmt.Sprintf("object=%q", u.Object))
	}
	if len(u.ID) > 0 {
		parts = append(parts, "id="+escapeAll(u.ID))
	}
	return strings.Join(parts, " ")
}

var _ crypto.Signer = (*Key)(nil)
