package ca

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// KeyRequest is a certificate that "ca issue" makes together with its key:
// the names as given (DN fields the policy says must match the issuer's may
// be left empty), the key type and how to sign.
type KeyRequest struct {
	Subject        pkix.Name
	DNSNames       []string
	IPAddresses    []net.IP
	EmailAddresses []string
	URIs           []*url.URL
	KeyType        pem.KeyType // "" means pem.ECDSAP256
	Profile        *Profile    // nil means ProfileServer
	Validity       time.Duration
	// KDFCost is the cost of an encrypted key's derivation (log2 of
	// scrypt's N, pem.MinKDFCost to pem.MaxKDFCost); 0 means pem.DefaultKDFCost.
	KDFCost int
}

// SignedKey is a new key and the certificate signed for it, not yet recorded.
type SignedKey struct {
	Issued *Issued
	// KeyPEM is the PKCS#8 key, encrypted when a passphrase was given.
	KeyPEM []byte
}

// SignNewKey fills the DN fields whose policy rule is "match" from the
// issuer's own subject when r leaves them empty (csr.Policy.FillMatch),
// makes a key of r.KeyType, judges the request by the same policy and
// profile rules as a CSR (Sign) and signs it; it does not record it. The
// key is encoded with passphrase (unencrypted when it is empty). A broken
// rule returns a *csr.RefusalError, as Sign does.
func (i *Issuer) SignNewKey(r KeyRequest, passphrase []byte) (*SignedKey, error) {
	kt := r.KeyType
	if kt == "" {
		kt = pem.ECDSAP256
	}
	key, err := pem.GenerateKey(kt)
	if err != nil {
		return nil, err
	}
	subject := i.policy.FillMatch(r.Subject, i.cert.Subject)
	req := csr.Request{
		Subject:        subject.ToRDNSequence(),
		DNSNames:       r.DNSNames,
		IPAddresses:    r.IPAddresses,
		EmailAddresses: r.EmailAddresses,
		URIs:           r.URIs,
		PublicKey:      key.Public(),
	}
	iss, err := i.Sign(req, SignOptions{Profile: r.Profile, Validity: r.Validity})
	if err != nil {
		return nil, err
	}
	cost := r.KDFCost
	if cost == 0 {
		cost = pem.DefaultKDFCost
	}
	keyPEM, err := pem.MarshalPrivateKeyCost(key, passphrase, cost)
	if err != nil {
		return nil, err
	}
	iss.Record.KeyHeld = true
	return &SignedKey{Issued: iss, KeyPEM: keyPEM}, nil
}

// Intermediates returns the issuer's certificate and its parents, less the
// root: what a leaf's holder sends after the leaf. It is empty when the
// issuer is itself a root.
func (i *Issuer) Intermediates() []*x509.Certificate {
	return Intermediates(i.Chain())
}

func isSelfSigned(c *x509.Certificate) bool {
	return c.CheckSignatureFrom(c) == nil && string(c.RawIssuer) == string(c.RawSubject)
}

// FileName returns the base name "ca issue" gives the files of a
// certificate with common name cn: cn with every character outside
// A-Za-z0-9._- replaced by "_". Names that would be "", "." or ".." become
// "_", "_." and "_.." so that every name stays inside its directory.
func FileName(cn string) string {
	var b strings.Builder
	b.Grow(len(cn))
	for _, r := range cn {
		switch {
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := b.String()
	switch name {
	case "", ".", "..":
		name = "_" + name
	}
	return name
}

// ProvisionFiles returns the files of a provisioned certificate in dir,
// named after name (see FileName): name.crt (the leaf), name.chain.pem (the
// leaf and intermediates, not the root) and name.key (mode 0600, never
// replaced). Placed as the files of one job (see Placer), the key is placed last, so
// an existing name.key means the other two are whole.
func ProvisionFiles(dir, name string, cert *x509.Certificate, intermediates []*x509.Certificate, keyPEM []byte) []File {
	leaf := pem.Encode(pem.TypeCertificate, cert.Raw)
	chain := append(append([]byte(nil), leaf...), EncodeChain(intermediates)...)
	base := filepath.Join(dir, name)
	return []File{
		{Path: base + ".crt", Data: leaf, Check: pem.KindCertificate.Check},
		{Path: base + ".chain.pem", Data: chain, Check: pem.KindCertificate.Check},
		{Path: base + ".key", Data: keyPEM, Mode: 0o600, NoReplace: true},
	}
}
