package csr

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"
)

// Key type names, as the policy's keyTypes and the CLI's --key-type spell them.
const (
	keyECDSAP256 = "ecdsa-p256"
	keyECDSAP384 = "ecdsa-p384"
	keyEd25519   = "ed25519"
)

// allKeyTypes are the six key types of the spec, in its order.
var allKeyTypes = []string{"ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096", "ed25519"}

// RSA limits that hold whatever the policy says.
const (
	minRSABits = 2048
	maxRSABits = 8192
	rsaE       = 65537
)

// KeyTypeOf names the type of a public key: "ecdsa-p256", "ecdsa-p384",
// "ed25519", or "rsa-<bits>" ("rsa-2048", "rsa-3072", "rsa-4096", and any
// other size as its bit length). It returns an error for other curves and
// other kinds of key, and for keys with missing parts.
func KeyTypeOf(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k == nil || k.Curve == nil {
			return "", fmt.Errorf("csr: the ECDSA public key is empty")
		}
		switch k.Curve {
		case elliptic.P256():
			return keyECDSAP256, nil
		case elliptic.P384():
			return keyECDSAP384, nil
		}
		return "", fmt.Errorf("csr: ECDSA curve %s is not supported; use P-256 or P-384", k.Curve.Params().Name)
	case *rsa.PublicKey:
		if k == nil || k.N == nil {
			return "", fmt.Errorf("csr: the RSA public key is empty")
		}
		return fmt.Sprintf("rsa-%d", k.N.BitLen()), nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return "", fmt.Errorf("csr: the Ed25519 public key is %d bytes, not %d", len(k), ed25519.PublicKeySize)
		}
		return keyEd25519, nil
	case nil:
		return "", fmt.Errorf("csr: no public key")
	default:
		return "", fmt.Errorf("csr: unsupported public key type %T; use ECDSA P-256 or P-384, RSA or Ed25519", pub)
	}
}

// keyProblem says why pub is refused whatever the policy says, or "" when
// it is acceptable: RSA of 2048 to 8192 bits, a multiple of 8, exponent
// 65537; ECDSA on P-256 or P-384 with a point on the curve; Ed25519.
func keyProblem(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k == nil || k.N == nil || k.N.Sign() <= 0 {
			return "the RSA public key is empty"
		}
		bits := k.N.BitLen()
		switch {
		case bits < minRSABits:
			return fmt.Sprintf("RSA key of %d bits is too small; use at least %d bits (rsa-2048, rsa-3072 or rsa-4096)", bits, minRSABits)
		case bits > maxRSABits:
			return fmt.Sprintf("RSA key of %d bits is over the %d-bit limit", bits, maxRSABits)
		case bits%8 != 0:
			return fmt.Sprintf("RSA modulus of %d bits is not a multiple of 8", bits)
		case k.E != rsaE:
			return fmt.Sprintf("RSA public exponent %d is refused; only 65537 is accepted", k.E)
		}
		return ""
	case *ecdsa.PublicKey:
		if !ecdsaComplete(k) {
			return "the ECDSA public key is empty"
		}
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() {
			return fmt.Sprintf("ECDSA curve %s is refused; use P-256 or P-384", k.Curve.Params().Name)
		}
		// ECDH conversion checks that the point is on the curve.
		if _, err := k.ECDH(); err != nil {
			return "the ECDSA public key is not a valid point on its curve"
		}
		return ""
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return fmt.Sprintf("the Ed25519 public key is %d bytes, not %d", len(k), ed25519.PublicKeySize)
		}
		return ""
	case nil:
		return "the request carries no public key"
	default:
		return fmt.Sprintf("public key type %T is refused; use ECDSA P-256 or P-384, RSA or Ed25519", pub)
	}
}

// ecdsaComplete reports whether k has a curve and both coordinates: Bytes,
// ECDH and Equal dereference them.
func ecdsaComplete(k *ecdsa.PublicKey) bool {
	//lint:ignore SA1019 only checks for nil; the key is used through Bytes and ECDH.
	return k != nil && k.Curve != nil && k.X != nil && k.Y != nil
}
