package pkcs11

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParseURI(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     URI
	}{
		{"label", "pkcs11:token=T;object=O", URI{Token: "T", Object: "O"}},
		{"id and pin-source", "pkcs11:token=My%20Token;object=root;id=%01%02?pin-source=file:/run/pin",
			URI{Token: "My Token", Object: "root", ID: []byte{1, 2}, PINSource: "/run/pin"}},
		{"p11tool's descriptive attributes", "pkcs11:model=SoftHSM%20v2;manufacturer=SoftHSM%20project;token=T;id=%AB;type=private",
			URI{Token: "T", ID: []byte{0xab}}},
		{"file URL", "pkcs11:token=T;object=O?pin-source=file:///etc/pin", URI{Token: "T", Object: "O", PINSource: "/etc/pin"}},
		{"bare path", "pkcs11:token=T;object=O?pin-source=pin.txt", URI{Token: "T", Object: "O", PINSource: "pin.txt"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ParseURI(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if u.Token != tc.want.Token || u.Object != tc.want.Object || !bytes.Equal(u.ID, tc.want.ID) || u.PINSource != tc.want.PINSource {
				t.Fatalf("got %+v, want %+v", u, tc.want)
			}
			again, err := ParseURI(u.String())
			if err != nil || again.String() != u.String() {
				t.Fatalf("String %q does not read back: %v", u.String(), err)
			}
		})
	}
}

func TestParseURIRefuses(t *testing.T) {
	for _, tc := range []struct{ name, in, msg string }{
		{"not pkcs11", "file:key.pem", "does not start"},
		{"no token", "pkcs11:object=O", "names no token"},
		{"no key", "pkcs11:token=T", "names no key"},
		{"pin-value", "pkcs11:token=T;object=O?pin-value=1234", "pin-value"},
		{"twice", "pkcs11:token=T;token=U;object=O", "twice"},
		{"unknown", "pkcs11:token=T;object=O;slot-id=1", "not supported"},
		{"public", "pkcs11:token=T;object=O;type=public", "type=private"},
		{"module-path", "pkcs11:token=T;object=O?module-path=/x.so", "--pkcs11-module"},
		{"pin-source scheme", "pkcs11:token=T;object=O?pin-source=https://x/pin", "only file:"},
		{"bad escape", "pkcs11:token=%zz;object=O", "token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseURI(tc.in)
			if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("ParseURI(%q) = %v, want ErrUsage mentioning %q", tc.in, err, tc.msg)
			}
			if tc.name == "pin-value" && !errors.Is(err, ErrPINValue) {
				t.Fatalf("pin-value: %v does not match ErrPINValue", err)
			}
			if strings.Contains(err.Error(), "1234") {
				t.Fatalf("the error shows the PIN: %v", err)
			}
		})
	}
}

func FuzzParseURI(f *testing.F) {
	f.Add("pkcs11:token=T;object=O;id=%01?pin-source=file:/p")
	f.Add("pkcs11:token=a%3Bb;object=%00")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err != nil {
			return
		}
		again, err := ParseURI(u.String())
		if err != nil {
			t.Fatalf("String %q of %q does not parse: %v", u.String(), s, err)
		}
		if again.String() != u.String() {
			t.Fatalf("%q reads back as %q", u.String(), again.String())
		}
	})
}
