package passphrase_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/pkg/passphrase"
)

var errNoTerminal = errors.New("no terminal")

func noPrompt(string) ([]byte, error) { return nil, errNoTerminal }

// answers is a Prompt that gives each answer in turn.
func answers(a ...string) func(string) ([]byte, error) {
	return func(string) ([]byte, error) {
		p := a[0]
		a = a[1:]
		return []byte(p), nil
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestIssuerOrder(t *testing.T) {
	flagFile, envFile := writeFile(t, "from-flag\nsecond line\n"), writeFile(t, "from-env-file\r\n")
	for _, tc := range []struct {
		name string
		s    passphrase.Sources
		want string
	}{
		{"flag file first", passphrase.Sources{File: flagFile, Env: map[string]string{passphrase.EnvFile: envFile, passphrase.EnvValue: "v"}}, "from-flag"},
		{"then the env file", passphrase.Sources{Env: map[string]string{passphrase.EnvFile: envFile, passphrase.EnvValue: "v"}}, "from-env-file"},
		{"then the env value", passphrase.Sources{Env: map[string]string{passphrase.EnvValue: "v"}}, "v"},
		{"then the prompt", passphrase.Sources{Prompt: answers("typed")}, "typed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.s.Prompt == nil {
				tc.s.Prompt = noPrompt
			}
			got, err := tc.s.Issuer("passphrase: ")
			if err != nil || string(got) != tc.want {
				t.Fatalf("Issuer = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    passphrase.Sources
		msg  string
	}{
		{"empty file", passphrase.Sources{File: writeFile(t, "\n")}, "is empty"},
		{"long line", passphrase.Sources{File: writeFile(t, strings.Repeat("x", 5000))}, "first line is over"},
		{"answers differ", passphrase.Sources{Prompt: answers("one-secret", "other-secret")}, "the passphrases differ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.s.New("new: ", "passphrases", "")
			if !errors.Is(err, passphrase.ErrUsage) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("New: %v; want ErrUsage saying %q", err, tc.msg)
			}
		})
	}
}

func TestNewHintAndKey(t *testing.T) {
	s := passphrase.Sources{Prompt: noPrompt, Env: map[string]string{}}
	if _, err := s.New("new: ", "passphrases", "or --no-passphrase"); !errors.Is(err, errNoTerminal) || !strings.HasSuffix(err.Error(), ", or --no-passphrase") {
		t.Errorf("New without a terminal: %v", err)
	}
	if _, ok, err := s.Key(); ok || err != nil {
		t.Errorf("Key with no source: ok %v, %v", ok, err)
	}
	s.Env[passphrase.EnvKeyFile] = writeFile(t, "key-secret")
	if p, ok, err := s.Key(); !ok || err != nil || string(p) != "key-secret" {
		t.Errorf("Key = %q, %v, %v", p, ok, err)
	}
}

func TestWarnExposed(t *testing.T) {
	path := writeFile(t, "secret-pass")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	var warned string
	s := passphrase.Sources{File: path, Prompt: noPrompt, Warn: func(m string) { warned = m }}
	if _, err := s.Issuer("p: "); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(warned, "readable by group or others") {
		t.Errorf("warning %q", warned)
	}
}
