package home

import (
	"cmp"
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
)

// NewCA is a CA to create: a root (Create) or an intermediate
// (CreateIntermediate).
type NewCA struct {
	Name     string      // its name in the home
	Template ca.Template // subject, validity, path length, constraints
	KeyType  pem.KeyType // "" means pem.ECDSAP256
	// KDFCost is the cost of an encrypted key's derivation (log2 of
	// scrypt's N); 0 means pem.DefaultKDFCost.
	KDFCost int
	// Passphrase, when set, returns the passphrase that encrypts the new key,
	// given the passphrase that opened the parent's key (nil for a root, or a
	// parent whose key is not encrypted); nil means unencrypted. It is called
	// before the store is locked.
	Passphrase func(parent []byte) ([]byte, error)
	Policy     *csr.Policy // nil: csr.DefaultPolicy of the subject
	// KeyURI, when set, puts the key on a PKCS#11 token (SPEC.md, "Hardware
	// keys: PKCS#11"): the key pair it names, or one of KeyType made there;
	// the issuer gets key.uri instead of key.pem (token.go). Passphrase and
	// KDFCost are then not used.
	KeyURI string
}

// Created is a CA made by Create or CreateIntermediate.
type Created struct {
	Cert      *x509.Certificate
	Parent    string        // the issuer that signed it; "" for a root
	Encrypted bool          // its key is encrypted
	Token     *TokenKeyInfo // its key is on a token; nil for key.pem
}

// newKey makes the key of req and encodes it for key.pem, encrypted with
// the passphrase req gives for parentPass, which it clears once the KDF is
// done (it may be parentPass itself).
func (req NewCA) newKey(parentPass []byte) (crypto.Signer, []byte, error) {
	var pass []byte
	if req.Passphrase != nil {
		var err error
		if pass, err = req.Passphrase(parentPass); err != nil {
			return nil, nil, err
		}
	}
	defer clear(pass)
	key, err := pem.GenerateKey(cmp.Or(req.KeyType, pem.ECDSAP256))
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := pem.MarshalPrivateKeyCost(key, pass, cmp.Or(req.KDFCost, pem.DefaultKDFCost))
	if err != nil {
		return nil, nil, err
	}
	return key, keyPEM, nil
}

// CheckNew refuses (ca.ErrExists) a home directory that exists and is not
// empty, naming what an interrupted init left there. Create checks again.
func CheckNew(dir string) error {
	_, err := checkNew(dir)
	return err
}

// checkNew is CheckNew; existing says dir is an existing empty directory.
func checkNew(dir string) (existing bool, err error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		if _, serr := os.Stat(dir); serr == nil {
			return false, fmt.Errorf("%w: %s exists and is not an empty directory; nothing changed", ca.ErrExists, dir)
		}
		return false, fmt.Errorf("check home: %w", err)
	case len(entries) > 0:
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), stagePrefix(dir)) {
				return false, fmt.Errorf("%w: home %s holds %s, left by an interrupted \"ca init\" (with a root key nothing uses): remove it, and anything else in %s, then run init again",
					ca.ErrExists, dir, filepath.Join(dir, e.Name()), dir)
			}
		}
		return false, fmt.Errorf("%w: home %s is already initialised (or not empty); nothing changed. Choose another --home", ca.ErrExists, dir)
	}
	return true, nil
}

// stagePrefix begins the name of the hidden directory Create builds the
// home in: beside the home, or inside an existing empty one.
func stagePrefix(dir string) string {
	return "." + filepath.Base(filepath.Clean(dir)) + ".init-"
}

// Create makes the home of cfg with the self-signed root of req, its key
// made here. The whole
// home is built beside its place and renamed in, so a failure half-way
// leaves no half-made home. An existing empty directory (a mount point, one
// made by configuration management) is kept: the home is built inside it
// and its two entries moved in, ca.db last. It returns the root.
func Create(ctx context.Context, cfg Config, req NewCA) (_ *Created, err error) {
	h := New(cfg)
	if err := h.checkCreateStore(); err != nil {
		return nil, err
	}
	if err := ca.CheckIssuerName(req.Name); err != nil {
		return nil, err
	}
	existing, err := checkNew(h.Dir())
	if err != nil {
		return nil, err
	}
	nk, err := h.newCAKey(req, nil)
	if err != nil {
		return nil, err
	}
	defer func() { nk.done(err, func() bool { return CheckNew(h.Dir()) == nil }) }()
	keyPEM := nk.pem
	req.KeyURI = nk.uri()
	rootTmpl := req.Template
	rootTmpl.URLs = rootTmpl.URLs.Expand(req.Name)
	cert, err := ca.CreateRoot(rootTmpl, nk.signer, h.cfg.Now())
	if err != nil {
		return nil, err
	}
	if req.Policy == nil {
		req.Policy = csr.DefaultPolicy(cert.Subject)
	}
	parent := filepath.Dir(filepath.Clean(h.Dir()))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", parent, err)
	}
	stageIn := parent
	if existing {
		stageIn = h.Dir()
	}
	stage, err := os.MkdirTemp(stageIn, stagePrefix(h.Dir()))
	if err != nil {
		return nil, fmt.Errorf("create home: %w", err)
	}
	defer os.RemoveAll(stage)
	if err := h.stageHome(ctx, stage, cert, keyPEM, req); err != nil {
		return nil, err
	}
	if existing {
		err = moveHomeInto(stage, h.Dir())
	} else if err = os.Rename(stage, h.Dir()); err == nil {
		err = place.SyncDir(parent)
	}
	if errors.Is(err, fs.ErrExist) { // ENOTEMPTY (a rename over a non-empty directory) matches it too
		return nil, fmt.Errorf("%w: %s appeared while init ran; nothing changed", ca.ErrExists, h.Dir())
	}
	if err != nil {
		return nil, fmt.Errorf("create home %s: %w", h.Dir(), err)
	}
	return &Created{Cert: cert, Encrypted: pem.IsEncryptedKey(keyPEM), Token: nk.info()}, nil
}

// stageHome builds a whole home in stage: the store recording the root,
// then the root's files, every name synced so that the home never appears
// without ca.db or its root.
func (h *Home) stageHome(ctx context.Context, stage string, cert *x509.Certificate, keyPEM []byte, req NewCA) error {
	if err := os.Chmod(stage, 0o700); err != nil {
		return err
	}
	dir := filepath.Join(stage, "issuers", req.Name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create home: %w", err)
	}
	if !h.Shared() {
		if err := h.recordRoot(ctx, filepath.Join(stage, "ca.db"), cert, req.Name, req.Template.URLs); err != nil {
			return err
		}
	}
	files, err := issuerFiles(dir, cert, nil, keyPEM, req.Policy)
	if err != nil {
		return err
	}
	if err := place.WriteFiles(append(files, req.keyURIFile(dir)...)...); err != nil {
		return err
	}
	for _, d := range []string{filepath.Join(stage, "issuers"), stage} {
		if err := place.SyncDir(d); err != nil {
			return err
		}
	}
	if h.Shared() {
		// The database is the last step: nothing is recorded there unless
		// the home's files are ready to be moved in.
		return h.recordRoot(ctx, "", cert, req.Name, req.Template.URLs)
	}
	return nil
}

// moveHomeInto moves the staged home's issuers directory, then its ca.db,
// into the existing empty directory home, neither replacing anything, and
// syncs home. Interrupted between the two, home holds issuers/ without
// ca.db, which no command takes for a home; init refuses it as not empty.
func moveHomeInto(stage, home string) error {
	move := func(name, from, to string) error {
		return place.RenameNoReplace(filepath.Join(from, name), filepath.Join(to, name))
	}
	if err := move("issuers", stage, home); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(stage, "ca.db")); errors.Is(err, fs.ErrNotExist) {
		return place.SyncDir(home) // a shared store: the home holds no ca.db
	}
	if err := move("ca.db", stage, home); err != nil {
		move("issuers", home, stage) // best effort: leave home as it was
		return err
	}
	return place.SyncDir(home)
}

// issuerFiles are the files of one issuer directory, written together; the
// key is left out when keyPEM is nil (written before, on its own).
func issuerFiles(dir string, cert *x509.Certificate, parents []*x509.Certificate, keyPEM []byte, policy *csr.Policy) ([]place.File, error) {
	pol, err := json.MarshalIndent(policy, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode policy: %w", err)
	}
	files := []place.File{
		{Path: filepath.Join(dir, FileCert), Data: pem.Encode(pem.TypeCertificate, cert.Raw)},
		{Path: filepath.Join(dir, FileChain), Data: ca.EncodeChain(append([]*x509.Certificate{cert}, parents...))},
		{Path: filepath.Join(dir, FilePolicy), Data: append(pol, '\n')},
	}
	if keyPEM != nil {
		files = append(files, place.File{Path: filepath.Join(dir, FileKey), Data: keyPEM, Mode: 0o600, NoReplace: true})
	}
	return files, nil
}

// CheckNewIssuer refuses a name that cannot be an issuer's
// (ca.CheckIssuerName) and one whose directory exists (ca.ErrExists).
func (h *Home) CheckNewIssuer(name string) error {
	if err := ca.CheckIssuerName(name); err != nil {
		return err
	}
	if _, err := os.Lstat(h.IssuerDir(name)); err == nil {
		return fmt.Errorf("%w: issuer %q (%s exists); choose another --name", ca.ErrExists, name, h.IssuerDir(name))
	}
	return nil
}

// CreateIntermediate makes the intermediate req, signed by the issuer
// called parent ("" is the root), and puts its directory in place. The
// parent's key is opened (which may ask for its passphrase) and the new key
// made before the store is locked; O, C and ST that req's subject does not
// give are taken from the parent's, so that the default policy's "match"
// rules hold down the chain. The parent must not be revoked.
func (h *Home) CreateIntermediate(ctx context.Context, parent string, req NewCA) (_ *Created, err error) {
	if err := h.CheckNewIssuer(req.Name); err != nil {
		return nil, err
	}
	p, err := h.OpenIssuer(ctx, cmp.Or(parent, ca.TheRoot))
	if err != nil {
		return nil, err
	}
	// The new key and its KDF, before the store is locked.
	nk, err := h.newCAKey(req, p.KeyPassphrase)
	p.ForgetPassphrase()
	if err != nil {
		return nil, err
	}
	var issued *ca.Issued
	defer func() { nk.done(err, func() bool { return issued == nil }) }()
	keyPEM := nk.pem
	req.KeyURI = nk.uri()
	req.Template.Subject = inheritSubject(req.Template.Subject, p.Hierarchy.Certificate(p.Record.Name).Subject)
	if err := p.Bind(); err != nil {
		return nil, err
	}
	defer p.Close()
	issued, err = h.createIntermediate(ctx, p, req, nk.signer, keyPEM)
	if err != nil {
		return nil, err
	}
	return &Created{Cert: issued.Cert, Parent: p.Name(), Encrypted: pem.IsEncryptedKey(keyPEM), Token: nk.info()}, nil
}

// inheritSubject fills O, C and ST of an intermediate's subject from its
// parent's when they are not given.
func inheritSubject(subject, parent pkix.Name) pkix.Name {
	for _, f := range []struct{ dst, src *[]string }{
		{&subject.Organization, &parent.Organization}, {&subject.Country, &parent.Country}, {&subject.Province, &parent.Province},
	} {
		if len(*f.dst) == 0 {
			*f.dst = *f.src
		}
	}
	return subject
}

// createIntermediate signs and records the intermediate req under parent
// (bound to the store) and puts its directory in place: the directory is
// staged beside its place (the key first, then, just before the commit, the
// certificate, chain and policy), and after the commit only a rename is
// left, which needs no disk space. The directory appears whole or not at
// all.
func (h *Home) createIntermediate(ctx context.Context, parent *Issuer, req NewCA, key crypto.Signer, keyPEM []byte) (*ca.Issued, error) {
	if err := parent.CheckNotRevoked(ctx); err != nil {
		return nil, err
	}
	// Again with the store held: the directory may have appeared meanwhile.
	if err := h.CheckNewIssuer(req.Name); err != nil {
		return nil, err
	}
	if req.Policy == nil {
		req.Policy = csr.DefaultPolicy(req.Template.Subject)
	}
	stage, err := os.MkdirTemp(h.IssuersDir(), "."+req.Name+".new-")
	if err != nil {
		return nil, fmt.Errorf("stage issuer: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			os.RemoveAll(stage)
		}
	}()
	keyFile := []place.File{{Path: filepath.Join(stage, FileKey), Data: keyPEM, Mode: 0o600, NoReplace: true}}
	if req.KeyURI != "" {
		keyFile = req.keyURIFile(stage)
	}
	if err := place.WriteFiles(keyFile...); err != nil {
		return nil, err
	}
	tmpl := req.Template
	tmpl.Stage = func(issued *ca.Issued) error {
		files, err := issuerFiles(stage, issued.Cert, parent.Chain(), nil, req.Policy)
		if err != nil {
			return err
		}
		return place.WriteFiles(files...)
	}
	h.hook(ca.StageBeforeCommit)
	issued, err := parent.CreateIntermediate(ctx, req.Name, tmpl, key.Public())
	if err != nil {
		return nil, err
	}
	// Recorded: the stage holds the only copy of the new key and is kept
	// whatever happens next.
	committed = true
	h.hook(ca.StageAfterCommit)
	return issued, h.placeIssuer(stage, req.Name, issued)
}

// placeIssuer renames a recorded issuer's staged directory into place.
func (h *Home) placeIssuer(stage, name string, issued *ca.Issued) error {
	if err := os.Rename(stage, h.IssuerDir(name)); err != nil {
		return fmt.Errorf("issuer %s is recorded (serial %s) but its directory could not be put in place: %v; "+
			"its key and certificate are in %s: move it to %s once that is free", name, ca.FormatSerial(issued.Cert.SerialNumber), err, stage, h.IssuerDir(name))
	}
	if err := place.SyncDir(h.IssuersDir()); err != nil {
		return err
	}
	h.hook(ca.StageAfterWrite)
	return nil
}
