package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/store"
)

// Files of an issuer directory (SPEC.md, "The home").
const (
	fileCert   = "cert.pem"
	fileChain  = "chain.pem"
	fileKey    = "key.pem"
	filePolicy = "policy.json"
)

// dnFlags are the distinguished-name flags shared by init, intermediate
// create, csr create and issue.
type dnFlags struct {
	cn, org, ou, country, state, locality string
}

func (d *dnFlags) register(cmd *cobra.Command, cnUsage string) {
	f := cmd.Flags()
	f.StringVar(&d.cn, "cn", "", cnUsage)
	f.StringVar(&d.org, "org", "", "organization (O)")
	f.StringVar(&d.ou, "ou", "", "organizational unit (OU)")
	f.StringVar(&d.country, "country", "", "country (C), two upper-case letters")
	f.StringVar(&d.state, "state", "", "state or province (ST)")
	f.StringVar(&d.locality, "locality", "", "locality (L)")
}

// check refuses a --country that is not two upper-case letters (exit 2):
// a CA certificate or request made from it would not lint clean. (A leaf's
// subject is judged by the policy, which says the same with exit 3.)
func (d *dnFlags) check() error {
	if d.country != "" && !csr.IsCountryCode(d.country) {
		return usageError{fmt.Errorf("--country %q: give the two-letter upper-case ISO 3166 code, e.g. DE", d.country)}
	}
	return nil
}

func (d *dnFlags) name() pkix.Name {
	var n pkix.Name
	n.CommonName = d.cn
	add := func(dst *[]string, v string) {
		if v != "" {
			*dst = []string{v}
		}
	}
	add(&n.Organization, d.org)
	add(&n.OrganizationalUnit, d.ou)
	add(&n.Country, d.country)
	add(&n.Province, d.state)
	add(&n.Locality, d.locality)
	return n
}

// sanFlags are the subject alternative name flags of csr create and issue.
type sanFlags struct {
	dns, ips, emails, uris []string
}

func (s *sanFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVar(&s.dns, "dns", nil, "DNS name SAN (repeatable)")
	f.StringArrayVar(&s.ips, "ip", nil, "IP address SAN (repeatable)")
	f.StringArrayVar(&s.emails, "email", nil, "email address SAN (repeatable)")
	f.StringArrayVar(&s.uris, "uri", nil, "URI SAN, e.g. spiffe://example.com/svc (repeatable)")
}

// parse checks the IPs and URIs given (usage error 2 for one that does not parse).
func (s *sanFlags) parse() ([]net.IP, []*url.URL, error) {
	var ips []net.IP
	for _, v := range s.ips {
		ip := net.ParseIP(v)
		if ip == nil {
			return nil, nil, usageError{fmt.Errorf("--ip %q is not an IP address", v)}
		}
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		ips = append(ips, ip)
	}
	var uris []*url.URL
	for _, v := range s.uris {
		u, err := url.Parse(v)
		if err != nil || !u.IsAbs() {
			return nil, nil, usageError{fmt.Errorf("--uri %q is not an absolute URI such as spiffe://example.com/svc", v)}
		}
		uris = append(uris, u)
	}
	return ips, uris, nil
}

// checkNames refuses (exit 2) a --dns or --email that no CA of this
// toolkit would sign, for commands that make requests rather than judge
// them (csr create).
func (s *sanFlags) checkNames() error {
	for _, v := range s.dns {
		if p := csr.DNSNameProblem(v, true); p != "" {
			return usageError{fmt.Errorf("--dns %q %s", v, p)}
		}
	}
	for _, v := range s.emails {
		if p := csr.EmailProblem(v); p != "" {
			return usageError{fmt.Errorf("--email %q %s", v, p)}
		}
	}
	return nil
}

// issuerFiles are the files of one issuer directory, written together; the
// key is left out when keyPEM is nil (written before, on its own).
func issuerFiles(dir string, cert *x509.Certificate, chain []*x509.Certificate, keyPEM []byte, policy *csr.Policy) ([]pem.File, error) {
	pol, err := json.MarshalIndent(policy, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode policy: %w", err)
	}
	files := []pem.File{
		{Path: filepath.Join(dir, fileCert), Data: pem.Encode(pem.TypeCertificate, cert.Raw)},
		{Path: filepath.Join(dir, fileChain), Data: encodeChain(append([]*x509.Certificate{cert}, chain...))},
		{Path: filepath.Join(dir, filePolicy), Data: append(pol, '\n')},
	}
	if keyPEM != nil {
		files = append(files, pem.File{Path: filepath.Join(dir, fileKey), Data: keyPEM, Mode: 0o600, NoReplace: true})
	}
	return files, nil
}

func encodeChain(certs []*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.Encode(pem.TypeCertificate, c.Raw)...)
	}
	return out
}

// readPolicy reads a --policy file.
func readPolicy(path string) (*csr.Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	defer f.Close()
	data, err := pem.ReadAll(f, maxPolicySize)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", path, err)
	}
	return csr.ParsePolicy(data)
}

// maxPolicySize bounds a policy.json (a real one is a few KiB).
const maxPolicySize = 1 << 20

// issuerSet is the home's issuers as the store records them.
type issuerSet struct {
	recs  []ca.IssuerRecord
	certs map[string]*x509.Certificate
}

// readIssuerSet reads the home's issuers with the store open read-only for
// just that long.
func (g *globals) readIssuerSet(ctx context.Context) (*issuerSet, error) {
	st, err := g.openStoreRead()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return loadIssuerSet(ctx, st)
}

func loadIssuerSet(ctx context.Context, st ca.Store) (*issuerSet, error) {
	recs, err := st.Issuers(ctx)
	if err != nil {
		return nil, err
	}
	s := &issuerSet{recs: recs, certs: map[string]*x509.Certificate{}}
	for _, r := range recs {
		c, err := x509.ParseCertificate(r.DER)
		if err != nil {
			return nil, fmt.Errorf("%w: issuer %s: its stored certificate does not parse (%v); %s", ca.ErrDamaged, r.Name, err, ca.RestoreHint)
		}
		s.certs[r.Name] = c
	}
	return s, nil
}

func (s *issuerSet) get(name string) (*ca.IssuerRecord, error) {
	for i := range s.recs {
		if s.recs[i].Name == name {
			return &s.recs[i], nil
		}
	}
	return nil, fmt.Errorf("%w: issuer %q; this home has %s", ca.ErrNotFound, name, strings.Join(s.names(), ", "))
}

func (s *issuerSet) names() []string {
	out := make([]string, len(s.recs))
	for i, r := range s.recs {
		out[i] = r.Name
	}
	return out
}

// theRoot names the home's root, whatever it is called, to resolve; no
// issuer can have this name (checkName refuses NUL).
const theRoot = "\x00root"

// resolve returns the issuer named name, or by SPEC.md's default: the only
// intermediate; with none, the root; with several, a usage error listing
// them. theRoot resolves to the root.
func (s *issuerSet) resolve(name string) (*ca.IssuerRecord, error) {
	switch name {
	case "":
	case theRoot:
		return s.get(s.root())
	default:
		return s.get(name)
	}
	var inter []string
	root := ""
	for _, r := range s.recs {
		if r.Parent == "" {
			root = r.Name
		} else {
			inter = append(inter, r.Name)
		}
	}
	switch {
	case len(inter) == 1:
		return s.get(inter[0])
	case len(inter) > 1:
		slices.Sort(inter)
		return nil, usageError{fmt.Errorf("this home has several intermediates; choose one with --issuer: %s", strings.Join(inter, ", "))}
	case root == "":
		return nil, fmt.Errorf("%w: the home has no issuer", ca.ErrNotFound)
	}
	return s.get(root)
}

// root returns the name of the home's root.
func (s *issuerSet) root() string {
	for _, r := range s.recs {
		if r.Parent == "" {
			return r.Name
		}
	}
	return ""
}

// parents returns the certificates above name, nearest first, up to the root.
func (s *issuerSet) parents(name string) []*x509.Certificate {
	var out []*x509.Certificate
	for r, _ := s.get(name); r != nil && r.Parent != ""; r, _ = s.get(r.Parent) {
		out = append(out, s.certs[r.Parent])
		if len(out) > len(s.recs) {
			break // a loop in the records; store check reports it
		}
	}
	return out
}

// publicKeys returns the public keys of every issuer.
func (s *issuerSet) publicKeys() []crypto.PublicKey {
	out := make([]crypto.PublicKey, 0, len(s.recs))
	for _, r := range s.recs {
		out = append(out, s.certs[r.Name].PublicKey)
	}
	return out
}

// roots and intermediates as pools, for verification.
func (s *issuerSet) pools() (roots, inter *x509.CertPool) {
	roots, inter = x509.NewCertPool(), x509.NewCertPool()
	for _, r := range s.recs {
		if r.Parent == "" {
			roots.AddCert(s.certs[r.Name])
		} else {
			inter.AddCert(s.certs[r.Name])
		}
	}
	return roots, inter
}

// readIssuerKeyFile reads the named issuer's key file, not opening it yet.
func (g *globals) readIssuerKeyFile(name string) ([]byte, error) {
	data, err := pem.ReadKeyFile(filepath.Join(g.issuerDir(name), fileKey))
	if err != nil {
		return nil, fmt.Errorf("issuer %s: %w", name, err)
	}
	return data, nil
}

// openIssuerKey opens the named issuer's key from its file's data.
func (g *globals) openIssuerKey(name string, data []byte) (crypto.Signer, []byte, error) {
	path := filepath.Join(g.issuerDir(name), fileKey)
	var pass []byte
	var err error
	if pem.IsEncryptedKey(data) {
		pass, err = g.passphrase(fmt.Sprintf("passphrase for issuer %s: ", name))
		if err != nil {
			return nil, nil, err
		}
	}
	key, err := pem.ParsePrivateKey(data, pass)
	if errors.Is(err, pem.ErrWrongPassphrase) {
		return nil, nil, fmt.Errorf("issuer %s: the passphrase does not open %s; nothing was written", name, path)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("issuer %s: %s: %w", name, path, err)
	}
	return key, pass, nil
}

// loadedIssuer is an issuer ready to sign into the store it holds open for
// writing, with what the policy needs. Close releases the store.
type loadedIssuer struct {
	*ca.Issuer
	st      *store.Bolt
	rec     *ca.IssuerRecord
	set     *issuerSet
	policy  *csr.Policy
	keyPass []byte // the passphrase that opened its key, nil when unencrypted
	key     crypto.Signer
	keyData []byte // the key file, until open opens it
}

// Close releases the store.
func (li *loadedIssuer) Close() error { return li.st.Close() }

// loadIssuer resolves name (or the default issuer), opens its key and
// policy, and opens the store for writing; the caller closes the returned
// issuer. A prompt or a slow KDF never holds the store's lock: an encrypted
// key is opened with the store closed, which is then opened again (bind);
// an unencrypted one, the common case in scripts, is opened with the store
// held, which stays open: one open of the store, not two.
func (g *globals) loadIssuer(ctx context.Context, name string) (*loadedIssuer, error) {
	st, err := g.openStore()
	if err != nil {
		return nil, err
	}
	li, err := g.findIssuer(ctx, st, name)
	if err != nil {
		st.Close()
		return nil, err
	}
	if pem.IsEncryptedKey(li.keyData) {
		st.Close()
		if err := li.open(g); err != nil {
			return nil, err
		}
		if err := li.bind(g); err != nil {
			return nil, err
		}
		return li, nil
	}
	if err := li.open(g); err != nil {
		st.Close()
		return nil, err
	}
	if err := li.bindStore(g, st); err != nil {
		st.Close()
		return nil, err
	}
	return li, nil
}

// openIssuer resolves name (or the default issuer) with the store open
// read-only for just that long, and opens the issuer's key (which may
// prompt for its passphrase) and policy. The issuer cannot sign until bind
// gives it the store.
func (g *globals) openIssuer(ctx context.Context, name string) (*loadedIssuer, error) {
	st, err := g.openStoreRead()
	if err != nil {
		return nil, err
	}
	li, err := g.findIssuer(ctx, st, name)
	st.Close()
	if err != nil {
		return nil, err
	}
	if err := li.open(g); err != nil {
		return nil, err
	}
	return li, nil
}

// findIssuer resolves name (or the default issuer) among the issuers of st
// and reads its key file; open opens the key.
func (g *globals) findIssuer(ctx context.Context, st ca.Store, name string) (*loadedIssuer, error) {
	set, err := loadIssuerSet(ctx, st)
	if err != nil {
		return nil, err
	}
	rec, err := set.resolve(name)
	if err != nil {
		return nil, err
	}
	data, err := g.readIssuerKeyFile(rec.Name)
	if err != nil {
		return nil, err
	}
	return &loadedIssuer{rec: rec, set: set, keyData: data}, nil
}

// open opens the issuer's key (an encrypted one takes the passphrase from
// the global sources, which may prompt) and its policy.
func (li *loadedIssuer) open(g *globals) error {
	var err error
	li.key, li.keyPass, err = g.openIssuerKey(li.rec.Name, li.keyData)
	if err != nil {
		return err
	}
	li.keyData = nil
	li.policy, err = readPolicy(filepath.Join(g.issuerDir(li.rec.Name), filePolicy))
	if err != nil {
		return fmt.Errorf("issuer %s: %w", li.rec.Name, err)
	}
	return nil
}

// bind opens the store for writing, waiting up to --lock-timeout, and makes
// the issuer ready to sign into it.
func (li *loadedIssuer) bind(g *globals) error {
	st, err := g.openStore()
	if err != nil {
		return err
	}
	if err := li.bindStore(g, st); err != nil {
		st.Close()
		return err
	}
	return nil
}

// bindStore makes the issuer ready to sign into st, open for writing.
func (li *loadedIssuer) bindStore(g *globals, st *store.Bolt) error {
	iss, err := ca.NewIssuer(ca.IssuerConfig{
		Name: li.rec.Name, Cert: li.set.certs[li.rec.Name], Chain: li.set.parents(li.rec.Name),
		Signer: li.key, Store: st, Now: g.now, Policy: li.policy, IssuerKeys: li.set.publicKeys(),
	})
	if err != nil {
		return err
	}
	li.Issuer, li.st = iss, st
	return nil
}
