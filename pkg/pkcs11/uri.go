package pkcs11

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// URI is a parsed PKCS#11 URI (RFC 7512) naming one key pair: the token by
// its label, the key by its label (object), its CKA_ID (id), or both.
type URI struct {
	Token  string // CKA_LABEL of the token (token=); required
	Object string // CKA_LABEL of the key pair (object=)
	ID     []byte // CKA_ID of the key pair (id=)
	// PINSource is the file that holds the PIN (pin-source=file:PATH);
	// "" means the caller's PIN file (Config.PINFile).
	PINSource string
}

// Path attributes that describe a token or library, as p11tool prints them
// in its URIs; they are accepted and not used to select anything.
var descriptive = map[string]bool{
	"manufacturer": true, "model": true, "library-manufacturer": true,
	"library-description": true, "library-version": true,
	"slot-manufacturer": true, "slot-description": true,
}

// ParseURI parses s, a PKCS#11 URI (RFC 7512, 2.3):
// pkcs11:token=T;object=O[;id=%01][;type=private][?pin-source=file:PATH].
// token and one of object or id are required. Errors match ErrUsage; a URI
// with pin-value (a PIN on the command line, in shell history and in ps)
// matches ErrPINValue as well.
func ParseURI(s string) (*URI, error) {
	rest, ok := strings.CutPrefix(s, "pkcs11:")
	if !ok {
		return nil, usagef("key URI %q does not start with \"pkcs11:\" (RFC 7512)", s)
	}
	path, query, _ := strings.Cut(rest, "?")
	u := &URI{}
	seen := map[string]bool{}
	for _, attr := range splitNonEmpty(path, ";") {
		k, v, err := attribute(attr, seen)
		if err != nil {
			return nil, err
		}
		if err := u.setPath(k, v); err != nil {
			return nil, err
		}
	}
	for _, attr := range splitNonEmpty(query, "&") {
		k, v, err := attribute(attr, seen)
		if err != nil {
			return nil, err
		}
		if err := u.setQuery(k, v); err != nil {
			return nil, err
		}
	}
	if u.Token == "" {
		return nil, usagef("key URI %q names no token: add token=LABEL (p11tool --list-tokens shows the labels)", s)
	}
	if u.Object == "" && len(u.ID) == 0 {
		return nil, usagef("key URI %q names no key: add object=LABEL (or id=%%..)", s)
	}
	return u, nil
}

// attribute splits one NAME=VALUE attribute and percent-decodes its value,
// refusing a repeated name.
func attribute(attr string, seen map[string]bool) (string, string, error) {
	k, v, ok := strings.Cut(attr, "=")
	if !ok {
		return "", "", usagef("key URI attribute %q has no value (NAME=VALUE)", attr)
	}
	if seen[k] {
		return "", "", usagef("key URI gives %s twice", k)
	}
	seen[k] = true
	dv, err := url.PathUnescape(v)
	if err != nil {
		return "", "", usagef("key URI attribute %s: %v", k, err)
	}
	return k, dv, nil
}

func (u *URI) setPath(k, v string) error {
	switch {
	case k == "token":
		u.Token = v
	case k == "object":
		u.Object = v
	case k == "id":
		u.ID = []byte(v)
	case k == "type":
		if v != "private" {
			return usagef("key URI type=%s: an issuer key is type=private", v)
		}
	case descriptive[k]:
	default:
		return usagef("key URI attribute %q is not supported (use token, object, id, type=private)", k)
	}
	return nil
}

func (u *URI) setQuery(k, v string) error {
	switch k {
	case "pin-value":
		return &usageError{msg: strings.TrimPrefix(ErrPINValue.Error(), "pkcs11: "), err: ErrPINValue}
	case "pin-source":
		p, err := pinSourcePath(v)
		if err != nil {
			return err
		}
		u.PINSource = p
	case "module-name", "module-path":
		return usagef("key URI %s is not used: give the module with --pkcs11-module PATH or CA_PKCS11_MODULE", k)
	default:
		return usagef("key URI query attribute %q is not supported (use pin-source=file:PATH)", k)
	}
	return nil
}

// pinSourcePath is the file of a pin-source: file:PATH, file:///PATH or a
// bare PATH.
func pinSourcePath(v string) (string, error) {
	p := v
	if rest, ok := strings.CutPrefix(v, "file:"); ok {
		p = rest
		if strings.HasPrefix(p, "///") {
			p = p[2:]
		}
	} else if strings.Contains(v, ":") && !strings.HasPrefix(v, "/") && !strings.HasPrefix(v, ".") {
		return "", usagef("key URI pin-source=%s: only file:PATH is supported", v)
	}
	if p == "" {
		return "", usagef("key URI pin-source is empty: give pin-source=file:PATH")
	}
	return p, nil
}

// Abs returns u with a relative PINSource made absolute, so that the URI
// still names the same file from another directory.
func (u *URI) Abs() (*URI, error) {
	c := *u
	if c.PINSource != "" && !filepath.IsAbs(c.PINSource) {
		p, err := filepath.Abs(c.PINSource)
		if err != nil {
			return nil, fmt.Errorf("pkcs11: pin-source: %w", err)
		}
		c.PINSource = p
	}
	return &c, nil
}

// String returns u as a URI that ParseURI reads back: the token, the key's
// label and id, type=private, and pin-source (a file name, never a PIN).
func (u *URI) String() string {
	attrs := []string{"token=" + escape(u.Token)}
	if u.Object != "" {
		attrs = append(attrs, "object="+escape(u.Object))
	}
	if len(u.ID) > 0 {
		attrs = append(attrs, "id="+escapeAll(u.ID))
	}
	attrs = append(attrs, "type=private")
	s := "pkcs11:" + strings.Join(attrs, ";")
	if u.PINSource != "" {
		s += "?pin-source=file:" + escape(u.PINSource)
	}
	return s
}

// escape percent-encodes all but RFC 3986's unreserved characters and "/".
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~/", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// escapeAll percent-encodes every byte, as RFC 7512 writes ids.
func escapeAll(id []byte) string {
	h := strings.ToUpper(hex.EncodeToString(id))
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		b.WriteString("%" + h[i:i+2])
	}
	return b.String()
}

func splitNonEmpty(s, sep string) []string {
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
