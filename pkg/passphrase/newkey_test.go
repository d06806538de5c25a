package passphrase_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/pkg/passphrase"
	"github.com/ca-toolkit/ca/pkg/pem"
)

func TestNewKey(t *testing.T) {
	long := writeFile(t, "long enough passphrase\n")
	short := writeFile(t, "short\n")
	for _, tc := range []struct {
		name        string
		s           passphrase.Sources
		unencrypted bool
		want        string
		err         string // the message starts with it; "" for none
		short       bool   // the error is pem.ErrShortPassphrase
	}{
		{"from the file", passphrase.Sources{File: long}, false, "long enough passphrase", "", false},
		{"asked twice", passphrase.Sources{Prompt: answers("typed twice!", "typed twice!")}, false, "typed twice!", "", false},
		{"answers differ", passphrase.Sources{Prompt: answers("typed twice!", "typed once!!")}, false, "", "the passphrases differ", false},
		{"no terminal", passphrase.Sources{Prompt: noPrompt}, false, "", "no terminal, or --no-passphrase for an unencrypted key", false},
		{"too short", passphrase.Sources{File: short}, false, "", "pem: ", true},
		{"unencrypted", passphrase.Sources{Prompt: noPrompt}, true, "", "", false},
		{"unencrypted and a file", passphrase.Sources{File: long}, true, "", "--passphrase-file and --no-passphrase contradict each other", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.s.NewKey(tc.unencrypted)
			if tc.err == "" {
				if err != nil || string(p) != tc.want {
					t.Fatalf("NewKey = %q, %v; want %q", p, err, tc.want)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) || p != nil {
				t.Fatalf("NewKey = %q, %v; want an error starting %q", p, err, tc.err)
			}
			if tc.err != "no terminal, or --no-passphrase for an unencrypted key" && !errors.Is(err, passphrase.ErrUsage) {
				t.Errorf("%v is not ErrUsage", err)
			}
			if tc.short != errors.Is(err, pem.ErrShortPassphrase) {
				t.Errorf("%v: is ErrShortPassphrase %v, want %v", err, !tc.short, tc.short)
			}
		})
	}
}

func TestCheckNewClears(t *testing.T) {
	p := []byte("short")
	err := passphrase.CheckNew(p)
	if !errors.Is(err, passphrase.ErrUsage) || !strings.HasSuffix(err.Error(), "; choose a longer one (keys made before with a shorter one still open)") {
		t.Fatalf("CheckNew = %v", err)
	}
	if string(p) != "\x00\x00\x00\x00\x00" {
		t.Errorf("the refused passphrase is left as %q", p)
	}
	if err := passphrase.CheckNew([]byte("eight ch")); err != nil {
		t.Errorf("CheckNew(8 characters) = %v", err)
	}
}

func TestKDFCost(t *testing.T) {
	for _, tc := range []struct {
		name    string
		flag    int
		flagSet bool
		env     string
		want    int
		err     string
	}{
		{"the default", 0, false, "", pem.DefaultKDFCost, ""},
		{"the flag", 12, true, "14", 12, ""},
		{"the environment", 0, false, "14", 14, ""},
		{"the flag out of range", 9, true, "", 0, "--kdf-cost 9: give log2 of scrypt's N, 10 to 18 (default 17)"},
		{"the environment out of range", 0, false, "19", 0, "CA_KDF_COST 19: give log2"},
		{"the environment not a number", 0, false, "many", 0, `CA_KDF_COST="many": give log2 of scrypt's N, 10 to 18`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := passphrase.KDFCost(tc.flag, tc.flagSet, map[string]string{passphrase.EnvKDFCost: tc.env})
			if tc.err != "" {
				if !errors.Is(err, passphrase.ErrUsage) || !strings.HasPrefix(err.Error(), tc.err) {
					t.Fatalf("KDFCost = %d, %v; want ErrUsage starting %q", got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("KDFCost = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

// TestNoTerminal: a Prompt without a terminal fails every source with
// ErrNoTerminal, a usage error.
func TestNoTerminal(t *testing.T) {
	s := passphrase.Sources{Prompt: func(string) ([]byte, error) { return nil, passphrase.ErrNoTerminal }}
	if _, err := s.Issuer("passphrase: "); !errors.Is(err, passphrase.ErrNoTerminal) || !errors.Is(err, passphrase.ErrUsage) {
		t.Errorf("Issuer = %v", err)
	}
	if _, err := s.NewKey(false); !errors.Is(err, passphrase.ErrNoTerminal) || !strings.HasSuffix(err.Error(), "(no prompt without a terminal), or --no-passphrase for an unencrypted key") {
		t.Errorf("NewKey = %v", err)
	}
}
