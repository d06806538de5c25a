package pem

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"
)

// MinPassphrase is the fewest characters a passphrase that encrypts a new
// key may have. Keys encrypted before with a shorter one still open.
const MinPassphrase = 8

// MaxPassphraseLine bounds the first line of a passphrase file, in bytes.
const MaxPassphraseLine = 4096

var (
	// ErrShortPassphrase is returned by CheckNewPassphrase.
	ErrShortPassphrase = errors.New("pem: the passphrase is too short")
	// ErrPassphraseLine is returned by ReadPassphraseFile for a first line
	// over MaxPassphraseLine bytes.
	ErrPassphraseLine = fmt.Errorf("pem: the first line of the passphrase file is over %d bytes", MaxPassphraseLine)
)

// CheckNewPassphrase returns ErrShortPassphrase when p, which is to encrypt
// a new key, has fewer than MinPassphrase characters.
func CheckNewPassphrase(p []byte) error {
	if n := utf8.RuneCount(p); n < MinPassphrase {
		return fmt.Errorf("%w: %d characters, at least %d are needed for a new key", ErrShortPassphrase, n, MinPassphrase)
	}
	return nil
}

// ReadPassphraseFile returns the first line of the file at path without its
// newline (nor a Windows "\r"), as openssl's file: does: it reads no further
// (a FIFO need not be closed) and at most MaxPassphraseLine bytes (not
// /dev/zero into memory), and clears what it read beyond the line. exposed
// reports a regular file that its group or others may read. The caller
// clears the passphrase (clear) once the key derivation is done.
func ReadPassphraseFile(path string) (pass []byte, exposed bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, fmt.Errorf("pem: read passphrase file: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o044 != 0 {
		exposed = true
	}
	buf := make([]byte, MaxPassphraseLine+1)
	defer clear(buf)
	n := 0
	for n < len(buf) && !bytes.Contains(buf[:n], []byte{'\n'}) {
		m, err := f.Read(buf[n:])
		n += m
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, exposed, fmt.Errorf("pem: read passphrase file: %w", err)
		}
	}
	line, _, found := bytes.Cut(buf[:n], []byte{'\n'})
	if !found && n > MaxPassphraseLine || len(line) > MaxPassphraseLine {
		return nil, exposed, ErrPassphraseLine
	}
	line = bytes.TrimSuffix(line, []byte{'\r'})
	return bytes.Clone(line), exposed, nil
}
