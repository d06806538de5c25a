package pem

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCheckReplace(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "t"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(certDER)
	crlDER, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour)}, cert, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	certPEM := Encode(TypeCertificate, certDER)
	bolt := make([]byte, 4096)
	copy(bolt[16:], []byte{0xed, 0xda, 0x0c, 0xed})
	for _, tc := range []struct {
		name string
		data []byte
		kind Kind
		want error
	}{
		{"cert over cert", certPEM, KindCertificate, nil},
		{"cert over chain", append(append([]byte(nil), certPEM...), certPEM...), KindCertificate, nil},
		{"cert over DER cert", certDER, KindCertificate, nil},
		{"cert over key", Encode(TypePrivateKey, keyDER), KindCertificate, ErrOtherKind},
		{"cert over chain and key", append(append([]byte(nil), certPEM...), Encode(TypePrivateKey, keyDER)...), KindCertificate, ErrOtherKind},
		{"cert over CRL", Encode(TypeCRL, crlDER), KindCertificate, ErrOtherKind},
		{"cert over empty", nil, KindCertificate, ErrOtherKind},
		{"cert over bolt", bolt, KindCertificate, ErrOtherKind},
		{"CRL over CRL", Encode(TypeCRL, crlDER), KindCRL, nil},
		{"CRL over DER CRL", crlDER, KindCRL, nil},
		{"CRL over two CRLs", append(Encode(TypeCRL, crlDER), Encode(TypeCRL, crlDER)...), KindCRL, ErrOtherKind},
		{"CRL over cert", certPEM, KindCRL, ErrOtherKind},
		{"CRL over text", []byte("notes\n"), KindCRL, ErrOtherKind},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out")
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := CheckReplace(path, tc.kind); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("CheckReplace = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		if err := CheckReplace(filepath.Join(t.TempDir(), "new"), KindCRL); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		if err := CheckReplace(t.TempDir(), KindCRL); !errors.Is(err, ErrOtherKind) {
			t.Fatalf("CheckReplace = %v, want ErrOtherKind (place.CheckFile says ErrNotRegular first)", err)
		}
	})
}
