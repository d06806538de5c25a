package pem

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/internal/testtool"
)

func testCert(t testing.TB) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "t"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestDecode(t *testing.T) {
	der := testCert(t)
	block := Encode(TypeCertificate, der)
	tests := []struct {
		name    string
		in      []byte
		wantErr error
		found   string // part of the error message
	}{
		{"pem", block, nil, ""},
		{"pem with text around", append(append([]byte("subject=CN=t\n"), block...), "trailer\n"...), nil, ""},
		{"der", der, nil, ""},
		{"der with trailing data", append(bytes.Clone(der), 0), ErrMalformed, "trailing data"},
		{"garbage", []byte("hello world"), ErrMalformed, "no PEM block"},
		{"empty", nil, ErrMalformed, "no PEM block"},
		{"truncated pem", block[:len(block)/2], ErrMalformed, "broken PEM block"},
		{"two blocks", append(bytes.Clone(block), block...), ErrMalformed, "2 PEM blocks"},
		{"wrong type", Encode(TypeCRL, der), ErrMalformed, "a X509 CRL block"},
		{"headers", []byte("-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\n" + strings.Split(string(block), "\n")[1] + "\n-----END CERTIFICATE-----\n"), ErrMalformed, "headers"},
		{"pem of garbage", Encode(TypeCertificate, []byte("xx")), ErrMalformed, "not ASN.1"},
		{"too large", make([]byte, MaxSize+1), ErrTooLarge, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := Decode(tt.in, MaxSize, TypeCertificate)
			if tt.wantErr == nil {
				if err != nil || !bytes.Equal(got, der) {
					t.Fatalf("Decode = %x, %v; want the DER", got, err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.found) {
				t.Fatalf("Decode error = %v; want %v containing %q", err, tt.wantErr, tt.found)
			}
		})
	}
}

func TestReadAllLimit(t *testing.T) {
	if _, err := ReadAll(bytes.NewReader(make([]byte, 11)), 10); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ReadAll over the limit: %v", err)
	}
	if b, err := ReadAll(bytes.NewReader(make([]byte, 10)), 10); err != nil || len(b) != 10 {
		t.Fatalf("ReadAll at the limit: %d, %v", len(b), err)
	}
}

func TestKeysRoundTrip(t *testing.T) {
	for _, kt := range KeyTypes {
		t.Run(string(kt), func(t *testing.T) {
			if testing.Short() && strings.HasPrefix(string(kt), "rsa-4096") {
				t.Skip("slow key")
			}
			key, err := GenerateKey(kt)
			if err != nil {
				t.Fatal(err)
			}
			for _, pass := range [][]byte{nil, []byte("correct horse")} {
				data, err := MarshalPrivateKeyCost(key, pass, testKDFCost)
				if err != nil {
					t.Fatal(err)
				}
				if got := IsEncryptedKey(data); got != (pass != nil) {
					t.Fatalf("IsEncryptedKey = %v", got)
				}
				back, err := ParsePrivateKey(data, pass)
				if err != nil {
					t.Fatal(err)
				}
				if !publicEqual(back.Public(), key.Public()) {
					t.Fatal("the parsed key differs")
				}
				if pass != nil {
					if _, err := ParsePrivateKey(data, []byte("wrong")); !errors.Is(err, ErrWrongPassphrase) {
						t.Fatalf("wrong passphrase: %v", err)
					}
					if _, err := ParsePrivateKey(data, nil); !errors.Is(err, ErrPassphraseRequired) {
						t.Fatalf("no passphrase: %v", err)
					}
				}
			}
		})
	}
}

func publicEqual(a, b any) bool {
	switch a := a.(type) {
	case *ecdsa.PublicKey:
		return a.Equal(b)
	case *rsa.PublicKey:
		return a.Equal(b)
	case ed25519.PublicKey:
		return a.Equal(b)
	}
	return false
}

func TestParseKeyType(t *testing.T) {
	if kt, err := ParseKeyType(""); err != nil || kt != ECDSAP256 {
		t.Fatalf("default = %v, %v", kt, err)
	}
	if _, err := ParseKeyType("rsa-1024"); !errors.Is(err, ErrUnknownKeyType) || !strings.Contains(err.Error(), "ecdsa-p256") {
		t.Fatalf("rsa-1024: %v", err)
	}
}

// TestOpenSSLReadsEncryptedKeys: openssl pkey -passin opens what we write,
// and we open what openssl writes with its PBES2 defaults and with scrypt.
func TestOpenSSLReadsEncryptedKeys(t *testing.T) {
	testtool.Require(t, "openssl")
	dir := t.TempDir()
	passFile := filepath.Join(dir, "pass")
	if err := os.WriteFile(passFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, kt := range []KeyType{ECDSAP256, ECDSAP384, RSA2048, Ed25519} {
		t.Run(string(kt), func(t *testing.T) {
			key, err := GenerateKey(kt)
			if err != nil {
				t.Fatal(err)
			}
			data, err := MarshalPrivateKeyCost(key, []byte("s3cret"), 14) // openssl's most
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, string(kt)+".pem")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("openssl", "pkey", "-in", path, "-passin", "file:"+passFile, "-pubout").CombinedOutput()
			if err != nil {
				t.Fatalf("openssl pkey: %v\n%s", err, out)
			}
			want, _ := x509.MarshalPKIXPublicKey(key.Public())
			if !bytes.Contains(out, Encode("PUBLIC KEY", want)) {
				t.Fatalf("openssl read another public key:\n%s", out)
			}
			if out, err := exec.Command("openssl", "pkey", "-in", path, "-passin", "pass:wrong", "-noout").CombinedOutput(); err == nil {
				t.Fatalf("openssl opened the key with a wrong passphrase:\n%s", out)
			}
			for _, args := range [][]string{{"-v2", "aes-256-cbc"}, {"-scrypt"}} {
				theirs := filepath.Join(dir, string(kt)+"-openssl.pem")
				cmd := append([]string{"pkcs8", "-topk8", "-in", path, "-passin", "file:" + passFile, "-passout", "pass:s3cret", "-out", theirs}, args...)
				if out, err := exec.Command("openssl", cmd...).CombinedOutput(); err != nil {
					t.Fatalf("openssl pkcs8: %v\n%s", err, out)
				}
				back, err := os.ReadFile(theirs)
				if err != nil {
					t.Fatal(err)
				}
				parsed, err := ParsePrivateKey(back, []byte("s3cret"))
				if err != nil {
					t.Fatalf("%v: %v", args, err)
				}
				if !publicEqual(parsed.Public(), key.Public()) {
					t.Fatal("a different key came back")
				}
			}
		})
	}
}

func TestReadKeyFileRefusesOpenModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no group or other modes: the key's access list protects it")
	}
	path := filepath.Join(t.TempDir(), "k.pem")
	if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadKeyFile(path); !errors.Is(err, ErrKeyPermissions) || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("ReadKeyFile: %v", err)
	}
}

// BenchmarkKeyKDF reports what the passphrase costs: opening an encrypted
// P-256 key (scrypt N=2^DefaultKDFCost, r=8, p=1) against an unencrypted
// one, measured in the same run.
func BenchmarkKeyKDF(b *testing.B) {
	key, err := GenerateKey(ECDSAP256)
	if err != nil {
		b.Fatal(err)
	}
	plain, _ := MarshalPrivateKey(key, nil)
	enc, _ := MarshalPrivateKey(key, []byte("s3cret"))
	b.Run("unencrypted", func(b *testing.B) {
		for b.Loop() {
			if _, err := ParsePrivateKey(plain, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encrypted", func(b *testing.B) {
		for b.Loop() {
			if _, err := ParsePrivateKey(enc, []byte("s3cret")); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestBlocks(t *testing.T) {
	cert, crl := Encode(TypeCertificate, []byte{1}), Encode(TypeCRL, []byte{2})
	for _, tc := range []struct {
		name  string
		data  []byte
		ders  int
		other string
	}{
		{"two certificates, text around", append(append([]byte("leaf\n"), cert...), append([]byte("chain\n"), cert...)...), 2, ""},
		{"a CRL after a certificate", append(append([]byte{}, cert...), crl...), 1, TypeCRL},
		{"a CRL first", append(append([]byte{}, crl...), cert...), 0, TypeCRL},
		{"no PEM block", []byte("text"), 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ders, other := Blocks(tc.data, TypeCertificate)
			if len(ders) != tc.ders || other != tc.other {
				t.Fatalf("%d blocks, other %q; want %d, %q", len(ders), other, tc.ders, tc.other)
			}
			for _, d := range ders {
				if len(d) != 1 || d[0] != 1 {
					t.Errorf("block %x, want the certificate's 01", d)
				}
			}
		})
	}
}
