package ca

import (
	"errors"
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
