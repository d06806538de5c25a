package home

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
)

// IssueFlags are the values of "ca issue" as given on the command line,
// before they are checked.
type IssueFlags struct {
	Issuer                     string // "" is the default issuer
	DN                         DN
	SANs                       SANs
	KeyType, Profile, Validity string
	Workers                    int // 0 means one per CPU
	// Manifest is the CSV file of the certificates ("-" is stdin); "" for
	// one certificate of DN and SANs. OutDir is where the files go.
	Manifest, OutDir string
}

// Defaults checks the values that apply to every certificate: the DN's
// text (DN.CheckText), the key type, the profile, the validity, Workers
// (not negative) and that a Manifest has an OutDir. It returns the
// KeyRequest that each certificate starts from (without names); errors are
// ca.ErrUsage, or pem.ErrUnknownKeyType.
func (f IssueFlags) Defaults() (ca.KeyRequest, error) {
	if err := f.DN.CheckText(); err != nil {
		return ca.KeyRequest{}, err
	}
	kt, err := pem.ParseKeyType(f.KeyType)
	if err != nil {
		return ca.KeyRequest{}, err
	}
	p, err := ca.LookupProfile(f.Profile)
	if err != nil {
		return ca.KeyRequest{}, err
	}
	v, err := ca.ParseFlagDuration("validity", f.Validity)
	if err != nil {
		return ca.KeyRequest{}, err
	}
	if f.Workers < 0 {
		return ca.KeyRequest{}, usageErr{fmt.Errorf("--workers %d: give a positive number, or 0 for one per CPU", f.Workers)}
	}
	if f.Manifest != "" && f.OutDir == "" {
		return ca.KeyRequest{}, usageErr{errors.New("--manifest needs --out-dir DIR")}
	}
	return ca.KeyRequest{KeyType: kt, Profile: p, Validity: v}, nil
}

// Request is the KeyRequest of the one certificate of f: def with the DN
// as its subject and the SANs parsed (SANs.Parse).
func (f IssueFlags) Request(def ca.KeyRequest) (ca.KeyRequest, error) {
	req := def
	req.Subject = f.DN.Name()
	ips, uris, err := f.SANs.Parse()
	if err != nil {
		return req, err
	}
	req.DNSNames, req.IPAddresses, req.EmailAddresses, req.URIs = f.SANs.DNS, ips, f.SANs.Emails, uris
	return req, nil
}

// ProvisionConfig is the ProvisionConfig of f: its issuer, workers and
// OutDir, the current directory when not given, with the new keys'
// passphrase (nil: unencrypted) and the caller's checkFiles
// (ProvisionConfig.CheckFiles).
func (f IssueFlags) ProvisionConfig(pass []byte, checkFiles func(files ...place.File) error) ProvisionConfig {
	return ProvisionConfig{Issuer: f.Issuer, Dir: cmp.Or(f.OutDir, "."), Passphrase: pass, Workers: f.Workers, CheckFiles: checkFiles}
}

// Manifest is a manifest opened for ProvisionManifest: its header is read.
type Manifest struct {
	*ca.ManifestReader
	// Rows is the number of its data rows when they were counted
	// (CountRows), else -1.
	Rows int64
	c    io.Closer
}

// OpenManifest opens the manifest path ("-" is stdin, never counted) and
// reads its header (ca.NewManifestReader); with count, its rows are counted
// first, for a progress bar. Close it when done.
func OpenManifest(path string, stdin io.Reader, count bool) (*Manifest, error) {
	m := &Manifest{Rows: -1}
	var in io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("open manifest: %w", err)
		}
		in, m.c = f, f
		if count {
			m.Rows = CountRows(path)
		}
	}
	mr, err := ca.NewManifestReader(in)
	if err != nil {
		m.Close()
		return nil, err
	}
	m.ManifestReader = mr
	return m, nil
}

// Close closes the manifest's file; stdin is left open.
func (m *Manifest) Close() error {
	if m.c == nil {
		return nil
	}
	return m.c.Close()
}
