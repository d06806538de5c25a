//go:build cgo

package pkcs11_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/internal/softhsm"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/pkcs11"
)

func mustURI(t *testing.T, s string) *pkcs11.URI {
	t.Helper()
	u, err := pkcs11.ParseURI(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestGenerateFindSign makes a key of every supported type on a SoftHSM2
// token, finds it again with Open, and checks a signature with the public key.
func TestGenerateFindSign(t *testing.T) {
	_, pin := softhsm.Setup(t, "T")
	cfg := pkcs11.Config{Module: softhsm.Module, PINFile: pin}
	for _, kt := range []pem.KeyType{pem.ECDSAP256, pem.ECDSAP384, pem.RSA2048, pem.RSA3072} {
		t.Run(string(kt), func(t *testing.T) {
			u := mustURI(t, "pkcs11:token=T;object="+string(kt))
			k, err := pkcs11.OpenOrGenerate(cfg, u, kt)
			if err != nil {
				t.Fatal(err)
			}
			if !k.Created || len(k.URI.ID) != 16 {
				t.Fatalf("created %v, id %x", k.Created, k.URI.ID)
			}
			pub := k.Public()
			k.Close()
			again, err := pkcs11.Open(cfg, k.URI)
			if err != nil {
				t.Fatal(err)
			}
			defer again.Close()
			if !pem.SamePublicKey(pub, again.Public()) {
				t.Fatal("Open found another key")
			}
			same, err := pkcs11.OpenOrGenerate(cfg, u, kt)
			if err != nil || same.Created {
				t.Fatalf("OpenOrGenerate of an existing key: created %v, %v", same != nil && same.Created, err)
			}
			same.Close()
			digest := sha256.Sum256([]byte("to be signed"))
			sig, err := again.Sign(rand.Reader, digest[:], crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			switch p := pub.(type) {
			case *ecdsa.PublicKey:
				if !ecdsa.VerifyASN1(p, digest[:], sig) {
					t.Fatal("bad ECDSA signature")
				}
			case *rsa.PublicKey:
				if err := rsa.VerifyPKCS1v15(p, crypto.SHA256, digest[:], sig); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestOpenFailures: each failure names what failed.
func TestOpenFailures(t *testing.T) {
	dir, pin := softhsm.Setup(t, "T")
	cfg := pkcs11.Config{Module: softhsm.Module, PINFile: pin}
	k, err := pkcs11.OpenOrGenerate(cfg, mustURI(t, "pkcs11:token=T;object=k"), pem.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	k.Close()
	wrong := filepath.Join(dir, "wrong")
	os.WriteFile(wrong, []byte("9999\n"), 0o600)
	for _, tc := range []struct {
		name string
		cfg  pkcs11.Config
		uri  string
		want error
		msg  string
	}{
		{"wrong PIN", pkcs11.Config{Module: softhsm.Module, PINFile: wrong}, "pkcs11:token=T;object=k", pkcs11.ErrWrongPIN, "refused the PIN"},
		{"wrong PIN source", cfg, "pkcs11:token=T;object=k?pin-source=file:" + wrong, pkcs11.ErrWrongPIN, "refused the PIN"},
		{"missing module", pkcs11.Config{Module: filepath.Join(dir, "nope.so"), PINFile: pin}, "pkcs11:token=T;object=k", pkcs11.ErrModule, "nope.so is missing"},
		{"no module", pkcs11.Config{PINFile: pin}, "pkcs11:token=T;object=k", pkcs11.ErrModule, "--pkcs11-module"},
		{"not a module", pkcs11.Config{Module: pin, PINFile: pin}, "pkcs11:token=T;object=k", pkcs11.ErrModule, "cannot be loaded"},
		{"token not found", cfg, "pkcs11:token=U;object=k", pkcs11.ErrTokenNotFound, `no token labelled "U"`},
		{"key not found", cfg, "pkcs11:token=T;object=other", pkcs11.ErrKeyNotFound, `object="other"`},
		{"no PIN", pkcs11.Config{Module: softhsm.Module}, "pkcs11:token=T;object=k", pkcs11.ErrUsage, "CA_PKCS11_PIN_FILE"},
		{"PIN file missing", pkcs11.Config{Module: softhsm.Module, PINFile: filepath.Join(dir, "nopin")}, "pkcs11:token=T;object=k", nil, "PIN file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := pkcs11.Open(tc.cfg, mustURI(t, tc.uri))
			if err == nil {
				k.Close()
				t.Fatal("Open succeeded")
			}
			if (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want %v mentioning %q", err, tc.want, tc.msg)
			}
			if errors.Is(err, os.ErrNotExist) {
				t.Fatalf("%v matches fs.ErrNotExist (exit 4, not 1)", err)
			}
		})
	}
}

// TestKeyTypeRefused: ed25519 is not made on tokens.
func TestKeyTypeRefused(t *testing.T) {
	_, err := pkcs11.OpenOrGenerate(pkcs11.Config{}, mustURI(t, "pkcs11:token=T;object=k"), pem.Ed25519)
	if !errors.Is(err, pkcs11.ErrUsage) {
		t.Fatalf("got %v", err)
	}
}
