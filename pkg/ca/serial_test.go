package ca

import (
	"errors"
	"math/big"
	"strings"
	"testing"
)

// FuzzParseSerial: ParseSerial never panics; a serial it accepts is not
// negative and formats back to text that parses to the same number, in any
// of the forms the CLI takes (upper case, colons).
func FuzzParseSerial(f *testing.F) {
	s, _ := NewSerial()
	for _, seed := range []string{FormatSerial(s), "0x1F", "01:ab:CD", "00", "", "-1", "zz", strings.Repeat("f", 60), " 0a ", ":::"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		n, err := ParseSerial(text)
		if err != nil {
			if !errors.Is(err, ErrBadSerial) {
				t.Fatalf("error %v does not wrap ErrBadSerial", err)
			}
			return
		}
		if n.Sign() < 0 {
			t.Fatalf("%q parsed to a negative serial", text)
		}
		hex := FormatSerial(n)
		var colons []string
		for i := 0; i+1 < len(hex); i += 2 {
			colons = append(colons, hex[i:i+2])
		}
		for _, form := range []string{hex, strings.ToUpper(hex), strings.Join(colons, ":")} {
			again, err := ParseSerial(form)
			if err != nil || again.Cmp(n) != 0 {
				t.Fatalf("%q -> %s -> %q -> %v, %v", text, hex, form, again, err)
			}
		}
	})
}

func TestParseSerial(t *testing.T) {
	want, _ := new(big.Int).SetString("0a1b2c3d4e5f", 16)
	for _, in := range []string{"0a1b2c3d4e5f", "A1B2C3D4E5F", "0A:1B:2C:3D:4E:5F", "00000a1b2c3d4e5f", " 0x0a1b2c3d4e5f\n", "0a:1b:2C:3d:4E:5f"} {
		got, err := ParseSerial(in)
		if err != nil || got.Cmp(want) != 0 {
			t.Errorf("ParseSerial(%q) = %v, %v; want %x", in, got, err, want)
		}
	}
	for _, in := range []string{"", "xyz", "12g4", "-5", ":", "0x", "12 34", "１２"} {
		if _, err := ParseSerial(in); !errors.Is(err, ErrBadSerial) {
			t.Errorf("ParseSerial(%q): err = %v, want ErrBadSerial", in, err)
		}
	}
	if got := FormatSerial(want); got != "0a1b2c3d4e5f" {
		t.Errorf("FormatSerial = %q", got)
	}
}
