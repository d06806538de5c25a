// Package passphrase finds the passphrases a command needs, in SPEC.md's
// order: a file a flag names, the file an environment variable names, a
// passphrase in an environment variable, then a prompt. It reads no flags
// and no environment itself: the caller gives the flag values, the
// environment as a map and the prompt as a callback (which owns the
// terminal). It also opens a key file a certificate holder gives, with its
// own passphrase.
package passphrase

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// ErrUsage marks a passphrase that cannot be had or used as given: a
// passphrase file that is empty or whose first line is too long, two
// answers that differ, an encrypted key without a passphrase source.
var ErrUsage = errors.New("passphrase: unusable")

// ErrNoTerminal is what a Prompt returns when there is no terminal to
// ask on: a passphrase is needed and there is no way to get one. It
// matches ErrUsage.
var ErrNoTerminal error = &usageErr{msg: "a passphrase is needed: give --passphrase-file FILE, or set CA_PASSPHRASE_FILE or CA_PASSPHRASE (no prompt without a terminal)"}

// usageErr is an error whose message is its own and that is ErrUsage
// (and err, when set).
type usageErr struct {
	msg string
	err error
}

func (e *usageErr) Error() string        { return e.msg }
func (e *usageErr) Is(target error) bool { return target == ErrUsage }
func (e *usageErr) Unwrap() error        { return e.err }

func usage(format string, args ...any) error { return &usageErr{msg: fmt.Sprintf(format, args...)} }

// Environment variables the sources read from Env.
const (
	EnvFile    = "CA_PASSPHRASE_FILE"     // a file holding the passphrase
	EnvValue   = "CA_PASSPHRASE"          // the passphrase itself
	EnvKeyFile = "CA_KEY_PASSPHRASE_FILE" // a file holding a key's own passphrase
)

// Sources are where passphrases come from.
type Sources struct {
	// File is the passphrase file of --passphrase-file: the issuer key's,
	// and that of a new key.
	File string
	// KeyFile is the file of --key-passphrase-file: a certificate holder's
	// key, or the new key of a command that also opens an issuer key.
	KeyFile string
	// Env is the environment (EnvFile, EnvValue, EnvKeyFile).
	Env map[string]string
	// Prompt asks for a passphrase on the terminal; it fails when there is
	// none.
	Prompt func(prompt string) ([]byte, error)
	// Warn, when set, is told of a passphrase file its group or others
	// can read.
	Warn func(msg string)
}

// Issuer returns the issuer key's passphrase: File, $CA_PASSPHRASE_FILE,
// $CA_PASSPHRASE, else Prompt with prompt.
func (s *Sources) Issuer(prompt string) ([]byte, error) {
	if p, ok, err := s.from(s.File, EnvFile, EnvValue); ok || err != nil {
		return p, err
	}
	return s.Prompt(prompt)
}

// Key returns the passphrase of KeyFile, else $CA_KEY_PASSPHRASE_FILE; ok
// is false when neither is set.
func (s *Sources) Key() (p []byte, ok bool, err error) {
	return s.from(s.KeyFile, EnvKeyFile, "")
}

// New returns a new secret (a new key's passphrase, a PKCS#12 password):
// from File, $CA_PASSPHRASE_FILE or $CA_PASSPHRASE, else asked twice with
// prompt. what names the secret when the two answers differ; hint, when
// set, follows the error of the first prompt (no terminal, say).
func (s *Sources) New(prompt, what, hint string) ([]byte, error) {
	if p, ok, err := s.from(s.File, EnvFile, EnvValue); ok || err != nil {
		return p, err
	}
	p, err := s.Prompt(prompt)
	if err != nil && hint != "" {
		return nil, fmt.Errorf("%w, %s", err, hint)
	}
	if err != nil {
		return nil, err
	}
	again, err := s.Prompt("again: ")
	if err != nil {
		return nil, err
	}
	defer clear(again)
	if !bytes.Equal(again, p) {
		clear(p)
		return nil, usage("the %s differ", what)
	}
	return p, nil
}

// OpenKey reads a certificate holder's key (not an issuer's) from path: an
// encrypted one opens with Key's passphrase, else one asked with Prompt,
// never with the issuer's.
func (s *Sources) OpenKey(path string) (crypto.Signer, error) {
	data, err := pem.ReadKeyFile(path)
	if err != nil {
		return nil, err
	}
	var pass []byte
	if pem.IsEncryptedKey(data) {
		p, ok, err := s.Key()
		if err != nil {
			return nil, err
		}
		if !ok {
			if p, err = s.Prompt(fmt.Sprintf("passphrase for %s: ", filepath.Base(path))); err != nil {
				return nil, usage("%s is encrypted: give its passphrase with --key-passphrase-file FILE or %s", path, EnvKeyFile)
			}
		}
		pass = p
	}
	key, err := pem.ParsePrivateKey(data, pass)
	clear(pass) // the KDF is done
	if errors.Is(err, pem.ErrWrongPassphrase) {
		return nil, fmt.Errorf("the passphrase from %s does not open %s; nothing was written", s.KeyOrigin(), path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// from reads the first line of file (pem.ReadPassphraseFile), else of the
// file named by Env[fileEnv], else takes Env[valueEnv] (when valueEnv is
// not ""); ok is false when none is set. A passphrase file its group or
// others can read gets a warning.
func (s *Sources) from(file, fileEnv, valueEnv string) ([]byte, bool, error) {
	if file == "" {
		file = s.Env[fileEnv]
	}
	if file != "" {
		line, exposed, err := pem.ReadPassphraseFile(file)
		if errors.Is(err, pem.ErrPassphraseLine) {
			return nil, false, usage("passphrase file %s: its first line is over %d bytes", file, pem.MaxPassphraseLine)
		}
		if err != nil {
			return nil, false, err
		}
		if exposed && s.Warn != nil {
			s.Warn(fmt.Sprintf("passphrase file %s is readable by group or others; chmod 600 %[1]s", file))
		}
		if len(line) == 0 {
			return nil, false, usage("passphrase file %s is empty", file)
		}
		return line, true, nil
	}
	if valueEnv != "" && s.Env[valueEnv] != "" {
		return []byte(s.Env[valueEnv]), true, nil
	}
	return nil, false, nil
}
