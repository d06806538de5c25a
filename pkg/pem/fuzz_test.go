package pem

import (
	"bytes"
	"crypto"
	"testing"
)

// FuzzDecode: Decode never panics, and what it accepts is one DER SEQUENCE
// that encodes and decodes back to itself.
func FuzzDecode(f *testing.F) {
	key, err := GenerateKey(ECDSAP256)
	if err != nil {
		f.Fatal(err)
	}
	keyPEM, err := MarshalPrivateKey(key, nil)
	if err != nil {
		f.Fatal(err)
	}
	der, _, err := Decode(keyPEM, MaxSize, TypePrivateKey)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(keyPEM)
	f.Add(der)
	f.Add(append([]byte("text before\n"), keyPEM...))
	f.Add(append(append([]byte{}, keyPEM...), keyPEM...))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----\n"))
	f.Add(append(der, 0))
	f.Add([]byte{0x30, 0x84, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		got, typ, err := Decode(data, MaxSize, TypePrivateKey, TypeCertificate)
		if err != nil {
			return
		}
		if typ == "" && !bytes.Equal(got, data) {
			t.Fatalf("DER input came back changed")
		}
		if typ == "" {
			typ = TypePrivateKey
		}
		again, typ2, err := Decode(Encode(typ, got), MaxSize, typ)
		if err != nil || typ2 != typ || !bytes.Equal(again, got) {
			t.Fatalf("Encode/Decode does not round-trip: %v", err)
		}
	})
}

// FuzzParsePrivateKey: ParsePrivateKey never panics, and a key it accepts
// marshals and parses back to the same key.
func FuzzParsePrivateKey(f *testing.F) {
	for _, kt := range []KeyType{ECDSAP256, Ed25519} {
		key, err := GenerateKey(kt)
		if err != nil {
			f.Fatal(err)
		}
		plain, err := MarshalPrivateKey(key, nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(plain, []byte(nil))
	}
	key, _ := GenerateKey(ECDSAP256)
	enc, err := MarshalPrivateKeyCost(key, []byte("pass"), testKDFCost)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(enc, []byte("pass"))
	f.Add(enc, []byte("wrong"))
	f.Fuzz(func(t *testing.T, data, pass []byte) {
		k, err := ParsePrivateKey(data, pass)
		if err != nil {
			return
		}
		again, err := MarshalPrivateKey(k, nil)
		if err != nil {
			t.Fatalf("an accepted key does not marshal: %v", err)
		}
		k2, err := ParsePrivateKey(again, nil)
		if err != nil {
			t.Fatalf("a marshalled key does not parse: %v", err)
		}
		if pub, ok := k.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(k2.Public()) {
			t.Fatalf("the key changed on a round trip")
		}
	})
}
