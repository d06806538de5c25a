package pem

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// hostileKey returns an ENCRYPTED PRIVATE KEY block whose PBES2 parameters
// ask for the given key derivation.
func hostileKey(t *testing.T, kdf asn1.ObjectIdentifier, kdfParams any) []byte {
	t.Helper()
	p, err := asn1.Marshal(kdfParams)
	if err != nil {
		t.Fatal(err)
	}
	iv, _ := asn1.Marshal(make([]byte, 16))
	pbes2, err := asn1.Marshal(struct {
		KDF pkix.AlgorithmIdentifier
		Enc pkix.AlgorithmIdentifier
	}{
		pkix.AlgorithmIdentifier{Algorithm: kdf, Parameters: asn1.RawValue{FullBytes: p}},
		pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}, Parameters: asn1.RawValue{FullBytes: iv}},
	})
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal(struct {
		Algo pkix.AlgorithmIdentifier
		Data []byte
	}{pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: pbes2}}, make([]byte, 64)})
	if err != nil {
		t.Fatal(err)
	}
	return Encode(TypeEncryptedKey, der)
}

// TestHostileKDF: a key file that asks for a key derivation costing
// gigabytes or hours is refused as malformed before any derivation.
func TestHostileKDF(t *testing.T) {
	type scrypt struct {
		Salt                  []byte
		Cost, Block, Parallel int
	}
	type pbkdf2 struct {
		Salt       []byte
		Iterations int
	}
	cases := map[string][]byte{
		"scrypt N=2^24":      hostileKey(t, oidScrypt, scrypt{make([]byte, 16), 1 << 24, 8, 1}),
		"scrypt p=2^20":      hostileKey(t, oidScrypt, scrypt{make([]byte, 16), 1 << 14, 8, 1 << 20}),
		"scrypt N=0":         hostileKey(t, oidScrypt, scrypt{make([]byte, 16), 0, 8, 1}),
		"pbkdf2 2^31 rounds": hostileKey(t, oidPBKDF2, pbkdf2{make([]byte, 16), 1<<31 - 1}),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParsePrivateKey(data, []byte("any"))
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

// TestOpenSSLKeys: keys encrypted by openssl with its defaults (PBKDF2 and
// scrypt) are within the bounds and open.
func TestOpenSSLKeys(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("openssl is not installed; .ci/run must install it")
		}
		t.Skip("openssl is not installed")
	}
	dir := t.TempDir()
	plain := filepath.Join(dir, "k.pem")
	if out, err := exec.Command("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", plain).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for name, args := range map[string][]string{
		"pbkdf2": {"-v2", "aes-256-cbc"},
		"scrypt": {"-scrypt"},
	} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(dir, name+".pem")
			cmd := exec.Command("openssl", append(append([]string{"pkcs8", "-topk8"}, args...), "-in", plain, "-out", out, "-passout", "pass:secret")...)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %s", err, b)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ParsePrivateKey(data, []byte("secret")); err != nil {
				t.Errorf("openssl's %s key: %v", name, err)
			}
		})
	}
	// A PRF the decrypter does not read is said as such, with the way out,
	// not as a wrong passphrase.
	for _, prf := range []string{"hmacWithSHA384", "hmacWithSHA512"} {
		out := filepath.Join(dir, prf+".pem")
		cmd := exec.Command("openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-v2prf", prf, "-in", plain, "-out", out, "-passout", "pass:secret")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ParsePrivateKey(data, []byte("secret"))
		if errors.Is(err, ErrWrongPassphrase) || err == nil || !strings.Contains(err.Error(), "PRF") || !strings.Contains(err.Error(), "re-encrypt") {
			t.Errorf("openssl's %s key: %v, want it named as unsupported", prf, err)
		}
	}
}
