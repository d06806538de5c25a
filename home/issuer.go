package home

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/pkcs11"
	"github.com/ca-toolkit/ca/store"
)

// Issuer is an issuer of the home with its key and policy loaded and, once
// bound, a ca.Issuer that signs into the store it holds open for writing.
// Close releases the store.
type Issuer struct {
	*ca.Issuer
	// Store is the store the issuer signs into; nil until bound.
	Store store.Handle
	// Record and Hierarchy are the issuer's record and every issuer's.
	Record    *ca.IssuerRecord
	Hierarchy *ca.Hierarchy
	// Policy is the issuer's policy: the one recorded in the store, which
	// its policy.json must match (or, in a home made before policies were
	// recorded, policy.json, adopted when the store is bound).
	Policy *csr.Policy
	// KeyPassphrase is what opened its key; nil when it is unencrypted.
	KeyPassphrase []byte
	// URLs are the issuer's recorded publication URLs.
	URLs ca.IssuerURLs

	home     *Home
	recorded []byte // the recorded policy; nil when none is
	adopt    []byte // policy.json's policy, to record when the store is bound
	key      crypto.Signer
	keyData  []byte      // the key file, until open opens it
	keyURI   *pkcs11.URI // key.uri: the key is on a token
	token    *pkcs11.Key // the key on a token, open until Close
}

// Close releases the store, if the issuer holds it.
func (i *Issuer) Close() error {
	i.closeToken()
	if i.Store == nil {
		return nil
	}
	return i.Store.Close()
}

// LoadIssuer resolves name (ca.Hierarchy.Resolve: "" is the default
// issuer), opens its key and policy, and opens the store for writing; the
// caller closes the returned issuer. A prompt or a slow KDF never holds the
// store's lock: an encrypted key is opened with the store closed, which is
// then opened again (Bind); an unencrypted one, the common case in scripts,
// is opened with the store held, which stays open: one open, not two. The
// key file and policy.json are read only as regular files, checked before
// the first byte: a FIFO, a device or a directory there is refused at once
// (pem.ErrNotRegularInput), never waited on with the store held.
func (h *Home) LoadIssuer(ctx context.Context, name string) (*Issuer, error) {
	st, err := h.OpenStore()
	if err != nil {
		return nil, err
	}
	iss, err := h.findIssuer(ctx, st, name)
	if err != nil {
		st.Close()
		return nil, err
	}
	if pem.IsEncryptedKey(iss.keyData) {
		st.Close()
		if err := iss.open(); err != nil {
			return nil, err
		}
		iss.ForgetPassphrase() // no new key is encrypted with it
		return iss, iss.Bind()
	}
	if err := iss.open(); err != nil {
		st.Close()
		return nil, err
	}
	if err := iss.bindStore(st); err != nil {
		st.Close()
		return nil, err
	}
	return iss, nil
}

// OpenIssuer resolves name as LoadIssuer does, with the store open
// read-only for just that long, and opens the issuer's key (which may ask
// for its passphrase) and policy. The issuer cannot sign until Bind.
func (h *Home) OpenIssuer(ctx context.Context, name string) (*Issuer, error) {
	st, err := h.OpenStoreRead()
	if err != nil {
		return nil, err
	}
	iss, err := h.findIssuer(ctx, st, name)
	st.Close()
	if err != nil {
		return nil, err
	}
	if err := iss.open(); err != nil {
		return nil, err
	}
	return iss, nil
}

// ForgetPassphrase clears KeyPassphrase, the passphrase that opened the
// key, once nothing more is to be encrypted with it.
func (i *Issuer) ForgetPassphrase() {
	clear(i.KeyPassphrase)
	i.KeyPassphrase = nil
}

// CheckIssuerCert returns nil when the issuer's cert.pem is the certificate
// the store records for it (or is missing: Warnings reports that), else an
// error matching ca.ErrFileMismatch that names the file. Commands that use
// an issuer refuse one whose cert.pem was replaced on disk: it would be
// handed out as the home's trust anchor while signing goes on under the
// recorded certificate.
func (h *Home) CheckIssuerCert(rec *ca.IssuerRecord) error {
	path := h.IssuerFile(rec.Name, FileCert)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("issuer %s: %w", rec.Name, err)
	}
	defer f.Close()
	data, err := pem.ReadAll(f, pem.MaxSize)
	if err == nil {
		err = rec.CheckCertFile(data)
	}
	if err != nil {
		return fmt.Errorf("%w (%s); if it holds the issuer's previous certificate, an interrupted \"ca intermediate renew\" left it: run that again", err, path)
	}
	return nil
}

// Bind opens the store for writing, waiting up to the lock timeout, and
// makes the issuer ready to sign into it.
func (i *Issuer) Bind() error {
	st, err := i.home.OpenStore()
	if err != nil {
		return err
	}
	if err := i.bindStore(st); err != nil {
		st.Close()
		return err
	}
	return nil
}

// findIssuer resolves name among the issuers of st and reads its key file;
// open opens the key.
func (h *Home) findIssuer(ctx context.Context, st ca.Store, name string) (*Issuer, error) {
	hier, err := ca.LoadHierarchy(ctx, st)
	if err != nil {
		return nil, err
	}
	rec, err := hier.Resolve(name)
	if err != nil {
		return nil, err
	}
	if err := h.CheckIssuerCert(rec); err != nil {
		return nil, fmt.Errorf("%w; run \"ca store check\" and restore the file from a backup; nothing was written", err)
	}
	urls, err := st.IssuerURLs(ctx, rec.Name)
	if err != nil {
		return nil, err
	}
	recorded, err := st.Policy(ctx, rec.Name)
	if err != nil {
		return nil, err
	}
	iss := &Issuer{home: h, Record: rec, Hierarchy: hier, URLs: urls, recorded: recorded}
	if u, ok, err := h.readKeyURI(rec.Name); ok || err != nil {
		iss.keyURI = u
		return iss, err
	}
	iss.keyData, err = pem.ReadKeyFile(h.IssuerFile(rec.Name, FileKey))
	if err != nil {
		return nil, fmt.Errorf("issuer %s: %w", rec.Name, err)
	}
	return iss, nil
}

// open opens the issuer's key (an encrypted one with the passphrase
// callback) and its policy.
func (i *Issuer) open() error {
	if i.keyURI != nil {
		return i.openToken()
	}
	name := i.Record.Name
	path := i.home.IssuerFile(name, FileKey)
	var pass []byte
	if pem.IsEncryptedKey(i.keyData) {
		if i.home.cfg.Passphrase == nil {
			return fmt.Errorf("issuer %s: %s is encrypted and no passphrase source was given", name, path)
		}
		var err error
		if pass, err = i.home.cfg.Passphrase(fmt.Sprintf("passphrase for issuer %s: ", name)); err != nil {
			return err
		}
	}
	key, err := pem.ParsePrivateKey(i.keyData, pass)
	if err != nil {
		clear(pass)
	}
	if errors.Is(err, pem.ErrWrongPassphrase) {
		return fmt.Errorf("issuer %s: %w: %s; nothing was written", name, pem.ErrWrongPassphrase, path)
	}
	if err != nil {
		return fmt.Errorf("issuer %s: %s: %w", name, path, err)
	}
	i.key, i.KeyPassphrase, i.keyData = key, pass, nil
	i.Policy, i.adopt, err = i.home.effectivePolicy(name, i.recorded)
	return err
}

// bindStore makes the issuer ready to sign into st, open for writing; a
// policy.json to adopt (nothing recorded yet) is recorded first.
func (i *Issuer) bindStore(st store.Handle) error {
	name := i.Record.Name
	if i.adopt != nil {
		// The store's lock timeout bounds this; there is no caller context.
		if err := i.home.adoptPolicy(context.Background(), st, name, i.adopt); err != nil {
			return err
		}
		i.recorded, i.adopt = i.adopt, nil
	}
	iss, err := ca.NewIssuer(ca.IssuerConfig{
		Name: name, Cert: i.Hierarchy.Certificate(name), Chain: i.Hierarchy.Parents(name),
		Signer: i.key, Store: st, Now: i.home.cfg.Now, Policy: i.Policy, IssuerKeys: i.Hierarchy.PublicKeys(),
		URLs: i.URLs,
	})
	if err != nil {
		return err
	}
	i.Issuer, i.Store = iss, st
	return nil
}

// Judge resolves name as LoadIssuer does and returns the issuer ready to
// judge requests by its policy (the recorded one, see effectivePolicy),
// without its key; the store is opened for reading and closed again.
func (h *Home) Judge(ctx context.Context, name string) (*ca.Issuer, error) {
	hier, rec, recorded, err := h.resolvePolicy(ctx, name)
	if err != nil {
		return nil, err
	}
	// Read-only: a policy.json to adopt is judged by but not recorded.
	policy, _, err := h.effectivePolicy(rec.Name, recorded)
	if err != nil {
		return nil, err
	}
	return ca.NewJudge(ca.IssuerConfig{
		Name: rec.Name, Cert: hier.Certificate(rec.Name), Chain: hier.Parents(rec.Name),
		Now: h.cfg.Now, Policy: policy, IssuerKeys: hier.PublicKeys(),
	})
}

// ReadPolicy reads the policy.json of the issuer called name. It must be
// a regular file: it may be read with the store held, so a FIFO, a device
// or a directory there is refused at once (pem.ErrNotRegularInput), never
// waited on.
func (h *Home) ReadPolicy(name string) (*csr.Policy, error) {
	path := h.IssuerFile(name, FilePolicy)
	f, _, err := pem.OpenRegular(path)
	if errors.Is(err, pem.ErrNotRegularInput) {
		return nil, fmt.Errorf("issuer %s: %w", name, err)
	}
	if err != nil {
		return nil, fmt.Errorf("issuer %s: read policy: %w", name, err)
	}
	p, err := parsePolicyFile(f, path)
	if err != nil {
		return nil, fmt.Errorf("issuer %s: %w", name, err)
	}
	return p, nil
}

// MaxPolicySize bounds a policy file (a real one is a few KiB).
const MaxPolicySize = 1 << 20

// ReadPolicyFile reads and parses a policy file (a --policy, a policy.json),
// which may be a pipe.
func ReadPolicyFile(path string) (*csr.Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	return parsePolicyFile(f, path)
}

// parsePolicyFile reads, closes and parses the policy file f.
func parsePolicyFile(f *os.File, path string) (*csr.Policy, error) {
	defer f.Close()
	data, err := pem.ReadAll(f, MaxPolicySize)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", path, err)
	}
	return csr.ParsePolicy(data)
}

// CheckRequest is a dry run of SignCSRs for one request: it resolves name
// as LoadIssuer does and judges r by that issuer's policy, the profile and
// the validity (ca.Issuer.Judge), then checks that neither the issuer nor
// one above it is revoked, as signing would. It needs no key, and the store
// is only read. It returns the issuer's name and every check.
func (h *Home) CheckRequest(ctx context.Context, name string, r csr.Request, o ca.SignOptions) (string, []csr.Check, error) {
	iss, err := h.Judge(ctx, name)
	if err != nil {
		return "", nil, err
	}
	checks := iss.Judge(r, o).Checks
	st, err := h.OpenStoreRead()
	if err != nil {
		return "", nil, err
	}
	defer st.Close()
	c := csr.Check{Field: "issuer", Rule: "notRevoked", Value: iss.Name(), Pass: true, Reason: "neither it nor an issuer above it is revoked"}
	err = ca.CheckNotRevoked(ctx, st, iss.Name(), iss.Chain())
	switch {
	case errors.Is(err, ca.ErrRefused):
		c.Pass, c.Reason = false, strings.TrimPrefix(err.Error(), ca.ErrRefused.Error()+": ")
	case err != nil:
		return "", nil, err
	}
	return iss.Name(), append(checks, c), nil
}
