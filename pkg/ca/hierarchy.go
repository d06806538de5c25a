package ca

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// Hierarchy is the issuers of a home as its store records them: who is the
// root, who signed whom. It is the one place that walks chains: parents,
// roots, pools, the chain a server presents, which issuer signed a
// certificate, and SPEC.md's default-issuer rule (Resolve).
type Hierarchy struct {
	recs  []IssuerRecord
	certs map[string]*x509.Certificate
}

// TheRoot is a name Resolve takes for the home's root, whatever it is
// called. No issuer can have it (issuer names hold no NUL).
const TheRoot = "\x00root"

// LoadHierarchy reads the issuers recorded in st.
func LoadHierarchy(ctx context.Context, st Store) (*Hierarchy, error) {
	recs, err := st.Issuers(ctx)
	if err != nil {
		return nil, err
	}
	return NewHierarchy(recs)
}

// NewHierarchy parses the certificates of recs.
func NewHierarchy(recs []IssuerRecord) (*Hierarchy, error) {
	h := &Hierarchy{recs: recs, certs: make(map[string]*x509.Certificate, len(recs))}
	for _, r := range recs {
		c, err := x509.ParseCertificate(r.DER)
		if err != nil {
			return nil, fmt.Errorf("%w: issuer %s: its stored certificate does not parse (%v); %s", ErrDamaged, r.Name, err, RestoreHint)
		}
		h.certs[r.Name] = c
	}
	return h, nil
}

// Records returns the issuer records, in the store's order.
func (h *Hierarchy) Records() []IssuerRecord { return h.recs }

// Get returns the record of the issuer called name, or ErrNotFound naming
// the issuers there are.
func (h *Hierarchy) Get(name string) (*IssuerRecord, error) {
	for i := range h.recs {
		if h.recs[i].Name == name {
			return &h.recs[i], nil
		}
	}
	return nil, fmt.Errorf("%w: issuer %q; this home has %s", ErrNotFound, name, strings.Join(h.Names(), ", "))
}

// Certificate returns the certificate of the issuer called name (nil if none).
func (h *Hierarchy) Certificate(name string) *x509.Certificate { return h.certs[name] }

// Names returns the issuers' names, in the store's order.
func (h *Hierarchy) Names() []string {
	out := make([]string, len(h.recs))
	for i, r := range h.recs {
		out[i] = r.Name
	}
	return out
}

// Root returns the name of the home's root ("" when there is none).
func (h *Hierarchy) Root() string {
	for _, r := range h.recs {
		if r.Parent == "" {
			return r.Name
		}
	}
	return ""
}

// Resolve returns the issuer named name or, for "", SPEC.md's default: the
// only intermediate; with none, the root; with several, ErrUsage listing
// them. TheRoot resolves to the root.
func (h *Hierarchy) Resolve(name string) (*IssuerRecord, error) {
	switch name {
	case "":
	case TheRoot:
		return h.Get(h.Root())
	default:
		return h.Get(name)
	}
	var inter []string
	for _, r := range h.recs {
		if r.Parent != "" {
			inter = append(inter, r.Name)
		}
	}
	switch {
	case len(inter) == 1:
		return h.Get(inter[0])
	case len(inter) > 1:
		slices.Sort(inter)
		return nil, &AmbiguousIssuerError{Names: inter}
	case h.Root() == "":
		return nil, fmt.Errorf("%w: the home has no issuer", ErrNotFound)
	}
	return h.Get(h.Root())
}

// AmbiguousIssuerError is Resolve's error for a home with several
// intermediates and no name given. It matches ErrUsage.
type AmbiguousIssuerError struct {
	Names []string // the intermediates, sorted
}

func (e *AmbiguousIssuerError) Error() string {
	return "ca: this home has several intermediates; choose one with --issuer: " + strings.Join(e.Names, ", ")
}

// Is makes AmbiguousIssuerError match ErrUsage.
func (e *AmbiguousIssuerError) Is(target error) bool { return target == ErrUsage }

// Parents returns the certificates above the issuer name, nearest first, up
// to and with the root; none for a root.
func (h *Hierarchy) Parents(name string) []*x509.Certificate {
	var out []*x509.Certificate
	for r, _ := h.Get(name); r != nil && r.Parent != ""; r, _ = h.Get(r.Parent) {
		out = append(out, h.certs[r.Parent])
		if len(out) > len(h.recs) {
			break // a loop in the records; store check reports it
		}
	}
	return out
}

// Chain returns the issuer's certificate followed by its parents up to the root.
func (h *Hierarchy) Chain(name string) []*x509.Certificate {
	if h.certs[name] == nil {
		return nil
	}
	return append([]*x509.Certificate{h.certs[name]}, h.Parents(name)...)
}

// Intermediates returns the issuer's certificate and its parents without
// the root: what a server sends after a leaf the issuer signed. None when
// the issuer is a root (or unknown).
func (h *Hierarchy) Intermediates(name string) []*x509.Certificate {
	return Intermediates(h.Chain(name))
}

// Intermediates returns chain (a certificate and its parents, nearest
// first) without a self-signed last one.
func Intermediates(chain []*x509.Certificate) []*x509.Certificate {
	if n := len(chain); n > 0 && isSelfSigned(chain[n-1]) {
		return chain[:n-1]
	}
	return chain
}

// RootOf returns the record of the root above (or at) the issuer name.
func (h *Hierarchy) RootOf(name string) *IssuerRecord {
	r, _ := h.Get(name)
	for i := 0; r != nil && r.Parent != "" && i <= len(h.recs); i++ {
		r, _ = h.Get(r.Parent)
	}
	return r
}

// SignerOf returns the record of the issuer whose key signed cert, or nil.
func (h *Hierarchy) SignerOf(cert *x509.Certificate) *IssuerRecord {
	for i, r := range h.recs {
		if c := h.certs[r.Name]; string(cert.RawIssuer) == string(c.RawSubject) && cert.CheckSignatureFrom(c) == nil {
			return &h.recs[i]
		}
	}
	return nil
}

// PublicKeys returns the public key of every issuer.
func (h *Hierarchy) PublicKeys() []crypto.PublicKey {
	out := make([]crypto.PublicKey, 0, len(h.recs))
	for _, r := range h.recs {
		out = append(out, h.certs[r.Name].PublicKey)
	}
	return out
}

// Pools returns the roots and the intermediates, for verification.
func (h *Hierarchy) Pools() (roots, intermediates *x509.CertPool) {
	roots, intermediates = x509.NewCertPool(), x509.NewCertPool()
	for _, r := range h.recs {
		if r.Parent == "" {
			roots.AddCert(h.certs[r.Name])
		} else {
			intermediates.AddCert(h.certs[r.Name])
		}
	}
	return roots, intermediates
}

// EncodeChain returns certs as concatenated PEM CERTIFICATE blocks, in order.
func EncodeChain(certs []*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.Encode(pem.TypeCertificate, c.Raw)...)
	}
	return out
}
