package pem

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/youmark/pkcs8"
)

// KeyType names a kind of key the toolkit generates.
type KeyType string

// The key types of SPEC.md; ECDSAP256 is the default.
const (
	ECDSAP256 KeyType = "ecdsa-p256"
	ECDSAP384 KeyType = "ecdsa-p384"
	RSA2048   KeyType = "rsa-2048"
	RSA3072   KeyType = "rsa-3072"
	RSA4096   KeyType = "rsa-4096"
	Ed25519   KeyType = "ed25519"
)

// KeyTypes lists every key type, in the order the CLI shows them.
var KeyTypes = []KeyType{ECDSAP256, ECDSAP384, RSA2048, RSA3072, RSA4096, Ed25519}

// ErrUnknownKeyType is returned by ParseKeyType for a name not in KeyTypes.
var ErrUnknownKeyType = errors.New("pem: unknown key type")

// ParseKeyType returns the key type named s; the empty string is ECDSAP256.
func ParseKeyType(s string) (KeyType, error) {
	if s == "" {
		return ECDSAP256, nil
	}
	for _, kt := range KeyTypes {
		if string(kt) == s {
			return kt, nil
		}
	}
	names := make([]string, len(KeyTypes))
	for i, kt := range KeyTypes {
		names[i] = string(kt)
	}
	return "", fmt.Errorf("%w %q (use one of %s)", ErrUnknownKeyType, s, strings.Join(names, ", "))
}

// GenerateKey makes a new private key of type kt from crypto/rand.
func GenerateKey(kt KeyType) (crypto.Signer, error) {
	var (
		key crypto.Signer
		err error
	)
	switch kt {
	case ECDSAP256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case RSA2048:
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	case RSA3072:
		key, err = rsa.GenerateKey(rand.Reader, 3072)
	case RSA4096:
		key, err = rsa.GenerateKey(rand.Reader, 4096)
	case Ed25519:
		_, key, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, fmt.Errorf("%w %q", ErrUnknownKeyType, kt)
	}
	if err != nil {
		return nil, fmt.Errorf("pem: generate %s key: %w", kt, err)
	}
	return key, nil
}

// The cost of the key derivation of new encrypted keys, as log2 of
// scrypt's N (r=8, p=1: 128·2^cost bytes of memory). DefaultKDFCost,
// 2^17 (128 MiB), takes about half a second on a small server; OpenSSL's
// `pkcs8 -scrypt` uses 2^14 and OpenSSL 3 opens no scrypt key above 2^14
// (its 32 MiB limit), so keys for openssl need cost 14. MaxKDFCost is the
// most this package opens (maxScryptMemory); keys of any cost from
// MinKDFCost to MaxKDFCost open.
const (
	MinKDFCost     = 10
	DefaultKDFCost = 17
	MaxKDFCost     = 18
)

// ErrKDFCost is returned for a KDF cost outside MinKDFCost..MaxKDFCost.
var ErrKDFCost = fmt.Errorf("%w: KDF cost out of range", ErrMalformed)

// keyOpts are the PBES2 parameters of a new key: scrypt with N=2^cost,
// r=8, p=1 and a 16-byte salt, and AES-256-CBC (RFC 8018, RFC 7914).
func keyOpts(cost int) *pkcs8.Opts {
	return &pkcs8.Opts{
		Cipher: pkcs8.AES256CBC,
		KDFOpts: pkcs8.ScryptOpts{
			SaltSize:                 16,
			CostParameter:            1 << cost,
			BlockSize:                8,
			ParallelizationParameter: 1,
		},
	}
}

var (
	// ErrPassphraseRequired is returned for an encrypted key when no passphrase is given.
	ErrPassphraseRequired = errors.New("pem: the key is encrypted and needs a passphrase")
	// ErrWrongPassphrase is returned when the passphrase does not open the key.
	ErrWrongPassphrase = errors.New("pem: the passphrase does not open the key")
)

// MarshalPrivateKey returns key as PKCS#8 PEM: an ENCRYPTED PRIVATE KEY block
// (PBES2, scrypt of DefaultKDFCost, AES-256-CBC) when passphrase is not
// empty, else a PRIVATE KEY block.
func MarshalPrivateKey(key crypto.Signer, passphrase []byte) ([]byte, error) {
	return MarshalPrivateKeyCost(key, passphrase, DefaultKDFCost)
}

// MarshalPrivateKeyCost is MarshalPrivateKey with a KDF cost (log2 of
// scrypt's N) from MinKDFCost to MaxKDFCost; another gives ErrKDFCost.
func MarshalPrivateKeyCost(key crypto.Signer, passphrase []byte, cost int) ([]byte, error) {
	if cost < MinKDFCost || cost > MaxKDFCost {
		return nil, fmt.Errorf("%w: %d (use %d to %d)", ErrKDFCost, cost, MinKDFCost, MaxKDFCost)
	}
	if len(passphrase) == 0 {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, fmt.Errorf("pem: marshal key: %w", err)
		}
		return Encode(TypePrivateKey, der), nil
	}
	der, err := pkcs8.MarshalPrivateKey(key, passphrase, keyOpts(cost))
	if err != nil {
		return nil, fmt.Errorf("pem: encrypt key: %w", err)
	}
	return Encode(TypeEncryptedKey, der), nil
}

// IsEncryptedKey reports whether data is an ENCRYPTED PRIVATE KEY block.
func IsEncryptedKey(data []byte) bool {
	_, t, err := Decode(data, MaxSize, TypeEncryptedKey, TypePrivateKey)
	return err == nil && t == TypeEncryptedKey
}

// ParsePrivateKey reads a PKCS#8 key in PEM (PRIVATE KEY or ENCRYPTED PRIVATE
// KEY) and returns its signer. An encrypted key needs passphrase
// (ErrPassphraseRequired); one it does not open gives ErrWrongPassphrase.
func ParsePrivateKey(data, passphrase []byte) (crypto.Signer, error) {
	der, blockType, err := Decode(data, MaxSize, TypePrivateKey, TypeEncryptedKey)
	if err != nil {
		return nil, err
	}
	var key any
	switch blockType {
	case TypeEncryptedKey:
		if len(passphrase) == 0 {
			return nil, ErrPassphraseRequired
		}
		if err := checkPBES2(der); err != nil {
			return nil, err
		}
		key, _, err = pkcs8.ParsePrivateKey(der, passphrase)
		if err != nil {
			return nil, ErrWrongPassphrase
		}
	default:
		key, err = x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, &FormatError{Want: TypePrivateKey, Found: "a PRIVATE KEY block", Detail: "not PKCS#8: " + err.Error()}
		}
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, &FormatError{Want: TypePrivateKey, Found: fmt.Sprintf("a %T key", key)}
	}
	return signer, nil
}

var oidPBES2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}

// checkPBES2 separates a malformed or unsupported encrypted key from a wrong passphrase.
func checkPBES2(der []byte) error {
	var info struct {
		Algo pkix.AlgorithmIdentifier
		Data []byte
	}
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) > 0 {
		return &FormatError{Want: TypeEncryptedKey, Found: "an ENCRYPTED PRIVATE KEY block", Detail: "not an EncryptedPrivateKeyInfo"}
	}
	if !info.Algo.Algorithm.Equal(oidPBES2) {
		return &FormatError{Want: TypeEncryptedKey, Found: "an ENCRYPTED PRIVATE KEY block", Detail: fmt.Sprintf("encryption %v is not PBES2 (re-encrypt with openssl pkcs8 -topk8 -v2 aes-256-cbc)", info.Algo.Algorithm)}
	}
	return checkKDF(info.Algo.Parameters.FullBytes)
}

var (
	oidScrypt = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11591, 4, 11}
	oidPBKDF2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
)

// Bounds on the key derivation a key file may ask for, so that a hostile
// file cannot make opening it take gigabytes or hours: scrypt memory
// (128·N·r·p bytes) up to 256 MiB, PBKDF2 up to 10 million iterations. The
// toolkit's own keys use scrypt N=2^DefaultKDFCost, r=8, p=1 (128 MiB), at
// most N=2^MaxKDFCost (256 MiB).
const (
	maxScryptMemory    = 256 << 20
	maxPBKDF2Iteration = 10_000_000
)

// checkKDF refuses PBES2 parameters (RFC 8018, A.4) whose key derivation
// (RFC 7914, 7 for scrypt; RFC 8018, A.2 for PBKDF2) costs more than the bounds.
func checkKDF(params []byte) error {
	bad := func(detail string) error {
		return &FormatError{Want: TypeEncryptedKey, Found: "an ENCRYPTED PRIVATE KEY block", Detail: detail}
	}
	var pbes2 struct {
		KDF pkix.AlgorithmIdentifier
		Enc pkix.AlgorithmIdentifier
	}
	if rest, err := asn1.Unmarshal(params, &pbes2); err != nil || len(rest) > 0 {
		return bad("malformed PBES2 parameters")
	}
	kdf := pbes2.KDF.Parameters.FullBytes
	switch {
	case pbes2.KDF.Algorithm.Equal(oidScrypt):
		var p struct {
			Salt                  []byte
			Cost, Block, Parallel *big.Int
			KeyLength             int `asn1:"optional"`
		}
		if rest, err := asn1.Unmarshal(kdf, &p); err != nil || len(rest) > 0 {
			return bad("malformed scrypt parameters")
		}
		mem := new(big.Int).Mul(big.NewInt(128), p.Cost)
		mem.Mul(mem, p.Block).Mul(mem, p.Parallel)
		if p.Cost.Sign() <= 0 || p.Block.Sign() <= 0 || p.Parallel.Sign() <= 0 || mem.Cmp(big.NewInt(maxScryptMemory)) > 0 {
			return bad(fmt.Sprintf("scrypt parameters N=%s r=%s p=%s need more than %d MiB", p.Cost, p.Block, p.Parallel, maxScryptMemory>>20))
		}
	case pbes2.KDF.Algorithm.Equal(oidPBKDF2):
		var p struct {
			Salt       asn1.RawValue
			Iterations *big.Int
			Rest       asn1.RawValue `asn1:"optional"` // keyLength, or the PRF
			PRF        asn1.RawValue `asn1:"optional"`
		}
		if _, err := asn1.Unmarshal(kdf, &p); err != nil {
			return bad("malformed PBKDF2 parameters")
		}
		if p.Iterations.Sign() <= 0 || p.Iterations.Cmp(big.NewInt(maxPBKDF2Iteration)) > 0 {
			return bad(fmt.Sprintf("PBKDF2 with %s iterations (at most %d)", p.Iterations, maxPBKDF2Iteration))
		}
		// keyLength (optional, an INTEGER) and the PRF (a SEQUENCE; default
		// hmacWithSHA1): what the decrypter reads is SHA-1 or SHA-256 and no
		// keyLength. Anything else is said as such, not as a wrong passphrase.
		prf := p.Rest
		if prf.Tag == asn1.TagInteger && prf.Class == asn1.ClassUniversal {
			return bad("PBKDF2 parameters with a keyLength field are not supported" + reencrypt)
		}
		if len(prf.FullBytes) > 0 {
			var ai pkix.AlgorithmIdentifier
			if _, err := asn1.Unmarshal(prf.FullBytes, &ai); err != nil {
				return bad("malformed PBKDF2 parameters")
			}
			if !ai.Algorithm.Equal(oidHMACWithSHA1) && !ai.Algorithm.Equal(oidHMACWithSHA256) {
				return bad(fmt.Sprintf("the PBKDF2 PRF %v is not supported (hmacWithSHA1 or hmacWithSHA256)%s", ai.Algorithm, reencrypt))
			}
		}
	default:
		return bad(fmt.Sprintf("key derivation %v is not supported (scrypt or PBKDF2)%s", pbes2.KDF.Algorithm, reencrypt))
	}
	if !slices.ContainsFunc(supportedCiphers, pbes2.Enc.Algorithm.Equal) {
		return bad(fmt.Sprintf("the cipher %v is not supported (AES-CBC, AES-GCM or 3DES)%s", pbes2.Enc.Algorithm, reencrypt))
	}
	return nil
}

// reencrypt says how to make a key this toolkit opens.
const reencrypt = "; re-encrypt it: openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256"

var (
	oidHMACWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	// supportedCiphers are the PBES2 ciphers the decrypter (youmark/pkcs8) reads.
	supportedCiphers = []asn1.ObjectIdentifier{
		{2, 16, 840, 1, 101, 3, 4, 1, 2}, {2, 16, 840, 1, 101, 3, 4, 1, 22}, {2, 16, 840, 1, 101, 3, 4, 1, 42}, // AES-CBC
		{2, 16, 840, 1, 101, 3, 4, 1, 6}, {2, 16, 840, 1, 101, 3, 4, 1, 26}, {2, 16, 840, 1, 101, 3, 4, 1, 46}, // AES-GCM
		{1, 2, 840, 113549, 3, 7}, // DES-EDE3-CBC
	}
)

// SamePublicKey reports whether a and b are the same public key: the one
// comparison of keys in the toolkit (a key and its certificate, a request
// and the home's issuers). Keys with missing parts are never the same as
// anything (and never reach Equal, which would dereference them).
func SamePublicKey(a, b crypto.PublicKey) bool {
	if !complete(a) || !complete(b) {
		return false
	}
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}

// complete reports whether k is a key of a known kind with all its parts.
func complete(k crypto.PublicKey) bool {
	switch k := k.(type) {
	case *rsa.PublicKey:
		return k != nil && k.N != nil
	case *ecdsa.PublicKey:
		//lint:ignore SA1019 only checks for nil; the key is used through Bytes and ECDH.
		return k != nil && k.Curve != nil && k.X != nil && k.Y != nil
	case ed25519.PublicKey:
		return len(k) == ed25519.PublicKeySize
	}
	return false
}
