package home

import (
	"cmp"
	"crypto"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/pkcs11"
	"github.com/ca-toolkit/ca/pkg/place"
)

// FileKeyURI holds, instead of key.pem, the PKCS#11 URI (RFC 7512) of an
// issuer key kept in a token: its token, label and id, and pin-source when
// one was given (a file name, never a PIN). When both exist, key.uri wins.
const FileKeyURI = "key.uri"

// maxKeyURI bounds key.uri; a URI is a line.
const maxKeyURI = 4096

// tokenKey opens the key pair uri names on its token (SPEC.md, "Hardware
// keys: PKCS#11"), or generates one of type kt there when the token has
// none: sensitive and never extractable. The module and the PIN file come
// from Config.PKCS11. A relative pin-source is made absolute, so the URI
// kept in key.uri (Key.URI) works from any directory.
func (h *Home) tokenKey(uri string, kt pem.KeyType) (*pkcs11.Key, error) {
	u, err := pkcs11.ParseURI(uri)
	if err != nil {
		return nil, err
	}
	if u, err = u.Abs(); err != nil {
		return nil, err
	}
	return pkcs11.OpenOrGenerate(h.cfg.PKCS11, u, kt)
}

// TokenKeyInfo describes the key of a new CA that is on a token.
type TokenKeyInfo struct {
	URI     string      // what key.uri holds
	Created bool        // made on the token (else found there)
	Type    pem.KeyType // its kind
}

// newCAKey is the key of a new CA: made here and encoded for key.pem, or
// made or found on a token (NewCA.KeyURI), open until done.
type newCAKey struct {
	signer crypto.Signer
	pem    []byte
	token  *pkcs11.Key
}

// newCAKey makes the key of req: req.newKey, or on the token of req.KeyURI
// (made before the store is locked: an RSA key can take seconds there).
func (h *Home) newCAKey(req NewCA, parentPass []byte) (*newCAKey, error) {
	if req.KeyURI == "" {
		key, keyPEM, err := req.newKey(parentPass)
		if err != nil {
			return nil, err
		}
		return &newCAKey{signer: key, pem: keyPEM}, nil
	}
	tok, err := h.tokenKey(req.KeyURI, cmp.Or(req.KeyType, pem.ECDSAP256))
	if err != nil {
		return nil, err
	}
	return &newCAKey{signer: tok, token: tok}, nil
}

// done closes a token key. When the CA failed (err) and unused says nothing
// was made with the key, a key made on the token for it is deleted again; a
// key found there is never deleted.
func (k *newCAKey) done(err error, unused func() bool) {
	if k.token == nil {
		return
	}
	if err != nil && k.token.Created && unused() {
		k.token.Destroy()
	}
	k.token.Close()
}

// uri is what key.uri holds ("" for a key in key.pem): the URI with the
// id of a key made on the token.
func (k *newCAKey) uri() string {
	if k.token == nil {
		return ""
	}
	return k.token.URI.String()
}

// info describes a token key for Created; nil for key.pem.
func (k *newCAKey) info() *TokenKeyInfo {
	if k.token == nil {
		return nil
	}
	return &TokenKeyInfo{URI: k.uri(), Created: k.token.Created, Type: k.token.Type()}
}

// keyURIFile is the key.uri written for req in dir, if its key is on a token.
func (req NewCA) keyURIFile(dir string) []place.File {
	if req.KeyURI == "" {
		return nil
	}
	return []place.File{{Path: filepath.Join(dir, FileKeyURI), Data: []byte(req.KeyURI + "\n"), Mode: 0o600, NoReplace: true}}
}

// readKeyURI reads the key.uri of issuer name; ok is false when it has none.
// Like key.pem it must be a regular file.
func (h *Home) readKeyURI(name string) (u *pkcs11.URI, ok bool, err error) {
	path := h.IssuerFile(name, FileKeyURI)
	f, _, err := pem.OpenRegular(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, fmt.Errorf("issuer %s: %w", name, err)
	}
	defer f.Close()
	data, err := pem.ReadAll(f, maxKeyURI)
	if err != nil {
		return nil, true, fmt.Errorf("issuer %s: %s: %w", name, path, err)
	}
	u, err = pkcs11.ParseURI(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, true, fmt.Errorf("issuer %s: %s: %w", name, path, err)
	}
	return u, true, nil
}

// openToken opens the issuer's key on its token, kept open until Close,
// and its policy.
func (i *Issuer) openToken() error {
	name := i.Record.Name
	key, err := pkcs11.Open(i.home.cfg.PKCS11, i.keyURI)
	if err != nil {
		return fmt.Errorf("issuer %s: its key is on a token (%s): %w", name, i.home.IssuerFile(name, FileKeyURI), err)
	}
	i.key, i.token = key, key
	i.Policy, err = i.home.ReadPolicy(name)
	if err != nil {
		i.closeToken()
	}
	return err
}

// closeToken closes the issuer's token key, if it has one open.
func (i *Issuer) closeToken() {
	if i.token != nil {
		i.token.Close()
		i.token = nil
	}
}
