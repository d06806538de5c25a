// Package trust puts a CA's root certificate into the trust stores of a
// machine and takes it out again: the operating system's store (Debian,
// Ubuntu and Alpine's update-ca-certificates, RHEL and Fedora's
// update-ca-trust, the macOS keychains, the Windows Root stores), NSS
// databases (Chromium on Linux, Firefox) through certutil, and Java
// keystores through keytool.
//
// Every change is first made into a Plan: the files to write or remove and
// the commands to run, through a Runner. A dry run prints the plan; a real
// run applies the same plan. The operating system is a field of Config, so
// the plans of every OS can be built (and tested) on any of them. Looking
// into a store (Status, and planning, which skips what is already done)
// runs read-only commands through the Runner.
//
// The package owns the names it gives: each root is stored under a name
// unique to it (Nickname), and uninstalling removes only entries of that
// name that hold that very certificate. It does not print, read the
// environment or decide which stores a user meant; cmd/ca does.
package trust

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Kind is a kind of trust store.
type Kind string

// The kinds of trust store.
const (
	// KindSystem is the operating system's store.
	KindSystem Kind = "system"
	// KindNSS is an NSS database (Chromium on Linux, Firefox).
	KindNSS Kind = "nss"
	// KindJava is a Java keystore.
	KindJava Kind = "java"
)

// ErrToolMissing is wrapped by a *ToolError: a store needs a program that
// is not on PATH.
var ErrToolMissing = errors.New("trust: tool not found")

// ErrConflict is returned when the root's name in a store holds another
// certificate; it wraps fs.ErrExist.
var ErrConflict = fmt.Errorf("trust: the name is taken by another certificate: %w", fs.ErrExist)

// ToolError says which store needs which missing program.
type ToolError struct {
	Store Store
	Tool  string
	Hint  string // how to get it, may be empty
}

func (e *ToolError) Error() string {
	msg := fmt.Sprintf("trust: %s needs %s, which is not on PATH", e.Store, e.Tool)
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

func (e *ToolError) Unwrap() error { return ErrToolMissing }

// Runner runs the programs of the stores. Exec is the real one.
type Runner interface {
	// LookPath finds a program as exec.LookPath does.
	LookPath(file string) (string, error)
	// Run runs args[0] with args[1:] and returns its combined output.
	Run(ctx context.Context, args []string) ([]byte, error)
}

// Config says which root, on which OS, with which runner.
type Config struct {
	// Root is the certificate to trust. Required.
	Root *x509.Certificate
	// GOOS is "linux", "darwin" or "windows" (another Unix is treated as
	// Linux). Required.
	GOOS string
	// Distro chooses the Linux system store: "debian" (also Ubuntu and
	// Alpine: update-ca-certificates) or "rhel" (also Fedora:
	// update-ca-trust). Empty: found from the files of the machine.
	Distro string
	// Runner runs the tools; nil means Exec.
	Runner Runner
	// UserHome is the user's home directory: default NSS databases, the
	// macOS login keychain.
	UserHome string
	// TempDir holds the PEM file the tools read during a run. Required
	// when a plan needs one.
	TempDir string
	// JavaStorePassEnv names an environment variable holding the Java
	// keystore password, which keytool then reads itself
	// (-storepass:env); empty means the default password "changeit".
	JavaStorePassEnv string
	// UserScope selects the user's store rather than the machine's on
	// macOS (login keychain) and Windows (the user's Root store).
	UserScope bool
}

func (c Config) runner() Runner {
	if c.Runner == nil {
		return Exec{}
	}
	return c.Runner
}

func (c Config) check() error {
	if c.Root == nil {
		return errors.New("trust: no root certificate")
	}
	return nil
}

// Nickname is the name the root is stored under: "ca-", its CN with every
// character outside A-Za-z0-9._- replaced by "_" (at most 40 characters),
// "-" and the first 8 hex digits of its SHA-256 fingerprint.
func Nickname(root *x509.Certificate) string {
	cn := root.Subject.CommonName
	if cn == "" {
		cn = "root"
	}
	var b strings.Builder
	for _, r := range cn {
		if b.Len() >= 40 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	sum := sha256.Sum256(root.Raw)
	return "ca-" + b.String() + "-" + hex.EncodeToString(sum[:4])
}

// Fingerprint is the root's SHA-256 fingerprint, lower-case hex.
func Fingerprint(root *x509.Certificate) string {
	sum := sha256.Sum256(root.Raw)
	return hex.EncodeToString(sum[:])
}

// thumbprint is the SHA-1 hash macOS and Windows name certificates by.
func thumbprint(root *x509.Certificate) string {
	sum := sha1.Sum(root.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

func encodePEM(root *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw})
}

// holds reports whether PEM text data holds the certificate der, and
// whether it holds any certificate at all.
func holds(data, der []byte) (found, any bool) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return found, any
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		any = true
		if bytes.Equal(b.Bytes, der) {
			found = true
		}
	}
}

// join joins path elements with the separator of the target OS.
func (c Config) join(elem ...string) string {
	if c.GOOS == "windows" {
		return strings.Join(elem, `\`)
	}
	return filepath.Join(elem...)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
