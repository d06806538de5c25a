package ca

import (
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// ClockSkew is how far notBefore is backdated.
const ClockSkew = time.Minute

// IssuerConfig is what NewIssuer needs. Name, Cert, Signer and Store are required.
type IssuerConfig struct {
	Name   string
	Cert   *x509.Certificate
	Chain  []*x509.Certificate // the parents of Cert up to the root, nearest first; empty for a root
	Signer crypto.Signer       // a key in a file, an HSM or elsewhere
	Store  Store
	Now    func() time.Time // nil means time.Now
	// Policy judges requests; nil means csr.DefaultPolicy of Cert's subject.
	Policy *csr.Policy
	// IssuerKeys are the public keys of every issuer of the home: a request
	// carrying one is refused. Cert's own key is always among them.
	IssuerKeys []crypto.PublicKey
	// URLs are the issuer's publication URLs (as recorded, IssuerPlaceholder
	// unexpanded): every certificate it signs carries them, its CRLs name
	// the CRL URL. Zero means none.
	URLs IssuerURLs
}

// Issuer signs certificates with one CA key and records them in its Store.
// Its signing methods are one family: Judge lists every rule for a
// csr.Request and signs nothing; Sign judges and signs, without recording;
// Issue is Sign, then Record; SignNewKey makes a key and Signs a request
// for it; SignRenewal Signs a renewal; SignLeaf and IssueLeaf sign a Leaf
// without judging it. Record (a function: a batch may hold several
// issuers' certificates) records what was signed.
type Issuer struct {
	name   string
	cert   *x509.Certificate
	chain  []*x509.Certificate
	signer crypto.Signer
	store  Store
	now    func() time.Time

	policy     *csr.Policy
	issuerKeys []crypto.PublicKey
	urls       IssuerURLs
}

// NewIssuer checks cfg: the certificate is a CA with keyCertSign, and the
// signer holds its private key.
func NewIssuer(cfg IssuerConfig) (*Issuer, error) {
	if cfg.Signer == nil || cfg.Store == nil {
		return nil, errors.New("ca: issuer config needs Name, Cert, Signer and Store")
	}
	if cfg.Cert != nil && !pem.SamePublicKey(cfg.Cert.PublicKey, cfg.Signer.Public()) {
		return nil, fmt.Errorf("ca: the key of issuer %s does not match its certificate", cfg.Name)
	}
	return newIssuer(cfg)
}

// newIssuer checks what NewIssuer and NewJudge both need and fills the defaults.
func newIssuer(cfg IssuerConfig) (*Issuer, error) {
	switch {
	case cfg.Name == "" || cfg.Cert == nil:
		return nil, errors.New("ca: issuer config needs Name and Cert")
	case !cfg.Cert.IsCA || cfg.Cert.KeyUsage&x509.KeyUsageCertSign == 0:
		return nil, fmt.Errorf("%w: issuer %s is not a CA with keyCertSign", ErrRefused, cfg.Name)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	policy := cfg.Policy
	if policy == nil {
		policy = csr.DefaultPolicy(cfg.Cert.Subject)
	}
	keys := append([]crypto.PublicKey{cfg.Cert.PublicKey}, cfg.IssuerKeys...)
	return &Issuer{name: cfg.Name, cert: cfg.Cert, chain: cfg.Chain, signer: cfg.Signer, store: cfg.Store, now: now,
		policy: policy, issuerKeys: keys, urls: cfg.URLs}, nil
}

// Name returns the issuer's name in the home.
func (i *Issuer) Name() string { return i.name }

// Certificate returns the issuer's certificate.
func (i *Issuer) Certificate() *x509.Certificate { return i.cert }

// Chain returns the issuer's certificate followed by its parents up to the root.
func (i *Issuer) Chain() []*x509.Certificate {
	return append([]*x509.Certificate{i.cert}, i.chain...)
}

// URLs returns the issuer's publication URLs, as recorded.
func (i *Issuer) URLs() IssuerURLs { return i.urls }

// Signer returns the issuer's signer.
func (i *Issuer) Signer() crypto.Signer { return i.signer }

// Now returns the issuer's clock reading.
func (i *Issuer) Now() time.Time { return i.now() }

// Leaf is a leaf certificate to sign as it stands: its names, key, profile
// and validity are not judged by the policy. A request from outside is a
// csr.Request, judged by Sign and Issue; a Leaf is for callers that answer
// for the names themselves (tests, a certificate the CA makes for its own
// endpoint).
type Leaf struct {
	Subject        pkix.Name
	PublicKey      crypto.PublicKey
	DNSNames       []string
	IPAddresses    []net.IP
	EmailAddresses []string
	URIs           []*url.URL
	Profile        *Profile
	Validity       time.Duration
}

// Issued is a signed certificate and its store record.
type Issued struct {
	Cert   *x509.Certificate
	Record *CertRecord
	resign func() (*Issued, error) // signs the same request again with a new serial
}

// SignLeaf signs req with a fresh serial without judging it; it does not
// record it. A validity that would outlive the issuer is refused
// (ErrRefused), never shortened.
func (i *Issuer) SignLeaf(req Leaf) (*Issued, error) {
	if req.Profile == nil {
		return nil, errors.New("ca: request has no profile")
	}
	skid, err := SubjectKeyID(req.PublicKey)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		Subject:        req.Subject,
		DNSNames:       req.DNSNames,
		IPAddresses:    req.IPAddresses,
		EmailAddresses: req.EmailAddresses,
		URIs:           req.URIs,
		KeyUsage:       req.Profile.KeyUsage(req.PublicKey),
		ExtKeyUsage:    req.Profile.ExtKeyUsage(),
		SubjectKeyId:   skid,
		// RFC 5280, 4.2.1.9: basicConstraints CA:FALSE may be present; say so.
		BasicConstraintsValid: true,
	}
	return i.sign(tmpl, req.PublicKey, req.Validity, req.Profile.Name())
}

func (i *Issuer) sign(tmpl *x509.Certificate, pub crypto.PublicKey, validity time.Duration, profile string) (*Issued, error) {
	if validity <= 0 {
		return nil, fmt.Errorf("%w: validity %s is not positive", ErrRefused, validity)
	}
	now := i.now()
	tmpl.NotBefore = now.Add(-ClockSkew).UTC().Truncate(time.Second)
	tmpl.NotAfter = now.Add(validity).UTC().Truncate(time.Second)
	if tmpl.NotAfter.After(i.cert.NotAfter) {
		return nil, fmt.Errorf("%w: validity %s would end %s, after issuer %s (%s); ask for less",
			ErrRefused, FormatDuration(validity), tmpl.NotAfter.Format(time.RFC3339), i.name, i.cert.NotAfter.UTC().Format(time.RFC3339))
	}
	serial, err := NewSerial()
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	// Go copies the issuer's key identifier only when the subject differs
	// from the issuer's name; RFC 5280, 4.2.1.1 wants it always.
	tmpl.AuthorityKeyId = i.cert.SubjectKeyId
	i.urls.apply(tmpl, i.name)
	der, err := x509.CreateCertificate(nil, tmpl, i.cert, pub, i.signer)
	if err != nil {
		return nil, fmt.Errorf("ca: sign: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("ca: parse what was signed: %w", err)
	}
	return &Issued{
		Cert:   cert,
		Record: NewCertRecord(cert, i.name, profile),
		resign: func() (*Issued, error) { return i.sign(tmpl, pub, validity, profile) },
	}, nil
}

// NewCertRecord returns the store record of cert, issued by issuer under profile.
func NewCertRecord(cert *x509.Certificate, issuer, profile string) *CertRecord {
	return &CertRecord{
		Serial:    cert.SerialNumber,
		Issuer:    issuer,
		Subject:   cert.Subject.String(),
		SANs:      SANs(cert),
		NotBefore: cert.NotBefore.UTC(),
		NotAfter:  cert.NotAfter.UTC(),
		Profile:   profile,
		DER:       cert.Raw,
	}
}

// SANs lists a certificate's subject alternative names as text: DNS names,
// IPs, emails, URIs.
func SANs(cert *x509.Certificate) []string {
	out := make([]string, 0, len(cert.DNSNames)+len(cert.IPAddresses)+len(cert.EmailAddresses)+len(cert.URIs))
	out = append(out, cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		out = append(out, ip.String())
	}
	out = append(out, cert.EmailAddresses...)
	for _, u := range cert.URIs {
		out = append(out, u.String())
	}
	return out
}

// maxResign bounds how often a serial collision is retried: with 159 random
// bits a second collision means something else is wrong.
const maxResign = 8

// Record records issued certificates in one store transaction, each only if
// its serial is new; one whose serial is taken is signed again with a new
// serial and recorded in a further transaction. On return every element of
// issued that has a nil error in the result is recorded (and may have been
// replaced by its re-signed version).
func Record(ctx context.Context, st Store, issued []*Issued) ([]error, error) {
	results := make([]error, len(issued))
	pending := make([]int, len(issued))
	for k := range pending {
		pending[k] = k
	}
	for round := 0; len(pending) > 0; round++ {
		if round > maxResign {
			for _, k := range pending {
				results[k] = fmt.Errorf("ca: serial collided %d times; check the random source", maxResign)
			}
			break
		}
		recs := make([]*CertRecord, len(pending))
		for j, k := range pending {
			recs[j] = issued[k].Record
		}
		errs, err := st.AddCertificates(ctx, recs)
		if err != nil {
			return nil, err
		}
		var again []int
		for j, k := range pending {
			switch {
			case errs[j] == nil:
			case errors.Is(errs[j], ErrSerialExists) && issued[k].resign != nil:
				re, err := issued[k].resign()
				if err != nil {
					results[k] = err
					continue
				}
				old := issued[k].Record // what the record asks of the store stays
				re.Record.RenewalOf, re.Record.RevokeRenewed, re.Record.KeyHeld = old.RenewalOf, old.RevokeRenewed, old.KeyHeld
				issued[k] = re
				again = append(again, k)
			default:
				results[k] = errs[j]
			}
		}
		pending = again
	}
	return results, nil
}

// IssueLeaf signs req without judging it (SignLeaf) and records it.
func (i *Issuer) IssueLeaf(ctx context.Context, req Leaf) (*Issued, error) {
	iss, err := i.SignLeaf(req)
	if err != nil {
		return nil, err
	}
	return recordOne(ctx, i.store, iss)
}

func recordOne(ctx context.Context, st Store, iss *Issued) (*Issued, error) {
	items := []*Issued{iss}
	errs, err := Record(ctx, st, items)
	if err != nil {
		return nil, err
	}
	if errs[0] != nil {
		return nil, errs[0]
	}
	return items[0], nil
}

// SubjectKeyID returns the key identifier of pub: the SHA-1 of its
// subjectPublicKey bits (RFC 5280, 4.2.1.2, method 1), as Go uses for CAs.
func SubjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: public key: %v", ErrRefused, err)
	}
	var info struct {
		Algorithm pkix.AlgorithmIdentifier
		Key       asn1.BitString
	}
	if _, err := asn1.Unmarshal(spki, &info); err != nil {
		return nil, fmt.Errorf("ca: public key: %w", err)
	}
	sum := sha1.Sum(info.Key.Bytes)
	return sum[:], nil
}
