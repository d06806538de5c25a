package home

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
)

// CSRConfig is a request to make ("ca csr create"), the requester's side:
// no home is involved.
type CSRConfig struct {
	DN      DN
	SANs    SANs
	KeyType string // as pem.ParseKeyType reads it
	// KeyOut is the new key's file; Out the request's, "-" for none (the
	// caller writes CSRCreated.PEM to stdout). Neither is ever replaced.
	KeyOut, Out string
	// KDFCost is the cost of an encrypted key's derivation; 0 means
	// pem.DefaultKDFCost.
	KDFCost int
}

// CSRPlan is a checked CSRConfig: its names parse and its files can be
// written. Create makes the key and the request.
type CSRPlan struct {
	cfg  CSRConfig
	kt   pem.KeyType
	tmpl csr.Template
}

// NewCSRPlan checks cfg before any key is made: the key type, the names
// (DN.Check, SANs.CheckNames, SANs.Parse) and the files, which must not
// exist (place.ErrExists), nor be the same file, nor the key be stdout
// (ca.ErrUsage).
func NewCSRPlan(cfg CSRConfig) (*CSRPlan, error) {
	kt, err := pem.ParseKeyType(cfg.KeyType)
	if err != nil {
		return nil, err
	}
	if err := cfg.DN.Check(); err != nil {
		return nil, err
	}
	if err := cfg.SANs.CheckNames(); err != nil {
		return nil, err
	}
	ips, uris, err := cfg.SANs.Parse()
	if err != nil {
		return nil, err
	}
	tmpl := csr.Template{Subject: cfg.DN.Name(), DNSNames: cfg.SANs.DNS, IPAddresses: ips, EmailAddresses: cfg.SANs.Emails, URIs: uris}
	if err := cfg.checkOutputs(); err != nil {
		return nil, err
	}
	return &CSRPlan{cfg: cfg, kt: kt, tmpl: tmpl}, nil
}

// checkOutputs refuses, before the key is made, outputs that exist or that
// cannot be files.
func (cfg CSRConfig) checkOutputs() error {
	switch {
	case cfg.KeyOut == "-":
		return usageErr{errors.New("--key-out must name a file: a private key never goes to stdout")}
	case filepath.Clean(cfg.KeyOut) == filepath.Clean(cfg.Out):
		return usageErr{errors.New("--key-out and --out name the same file")}
	}
	if err := place.CheckWritable(cfg.KeyOut, true); err != nil {
		return err
	}
	if cfg.Out != "-" {
		return place.CheckWritable(cfg.Out, true)
	}
	return nil
}

// CSRCreated is a key and request made by CSRPlan.Create; its JSON is the
// report of "ca csr create" (SPEC.md).
type CSRCreated struct {
	Key       string   `json:"key"`
	CSR       string   `json:"csr"`
	Subject   string   `json:"subject"`
	SANs      []string `json:"sans"`
	KeyType   string   `json:"keyType"`
	Encrypted bool     `json:"encrypted"`

	// PEM is the request, written to CSR unless that is "-".
	PEM []byte `json:"-"`
}

// Create makes a key and a request for it with the plan's names. The key is
// encrypted with pass unless it is nil, and pass is cleared once the KDF is
// done. The key's file is written first (a request is worth nothing
// without it), then the request's unless Out is "-"; neither replaces a
// file.
func (p *CSRPlan) Create(pass []byte) (*CSRCreated, error) {
	keyPEM, csrPEM, err := p.create(pass)
	if err != nil {
		return nil, err
	}
	files := []place.File{{Path: p.cfg.KeyOut, Data: keyPEM, Mode: 0o600, NoReplace: true}}
	if p.cfg.Out != "-" {
		files = append(files, place.File{Path: p.cfg.Out, Data: csrPEM, NoReplace: true})
	}
	if err := place.WriteFiles(files...); err != nil {
		return nil, err
	}
	return &CSRCreated{
		Key: p.cfg.KeyOut, CSR: p.cfg.Out, Subject: p.tmpl.Subject.String(), SANs: p.cfg.SANs.All(),
		KeyType: string(p.kt), Encrypted: pass != nil, PEM: csrPEM,
	}, nil
}

// create makes the key and the request, in PEM; pass is cleared.
func (p *CSRPlan) create(pass []byte) (keyPEM, csrPEM []byte, err error) {
	defer clear(pass)
	key, err := pem.GenerateKey(p.kt)
	if err != nil {
		return nil, nil, err
	}
	der, err := csr.Create(key, p.tmpl)
	if err != nil {
		return nil, nil, err
	}
	if keyPEM, err = pem.MarshalPrivateKeyCost(key, pass, cmp.Or(p.cfg.KDFCost, pem.DefaultKDFCost)); err != nil {
		return nil, nil, err
	}
	return keyPEM, pem.Encode(pem.TypeCSR, der), nil
}

// WriteText writes r for people: the files, the subject, the key's type and
// whether it is encrypted, and the names.
func (r *CSRCreated) WriteText(w io.Writer) error {
	enc := "not encrypted"
	if r.Encrypted {
		enc = "encrypted"
	}
	if _, err := fmt.Fprintf(w, "wrote request %s for %s\n  key   %s (%s, %s)\n", r.CSR, r.Subject, r.Key, r.KeyType, enc); err != nil {
		return err
	}
	if len(r.SANs) > 0 {
		_, err := fmt.Fprintf(w, "  names %v\n", r.SANs)
		return err
	}
	return nil
}
