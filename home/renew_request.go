package home

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// RenewRequest is "ca renew" as given, before it is checked: one of a
// SERIAL argument, Cert or Expiring names what to renew.
type RenewRequest struct {
	Args     []string // the SERIAL argument, when given
	Cert     string   // a certificate file instead of SERIAL
	Expiring string   // a duration: renew every valid certificate ending within it
	Issuer   string   // with Expiring: only this issuer's certificates
	Validity string   // a duration; "": as long as each old one
	KeyType  string   // with Rekey (pem.ParseKeyType)
	Rekey    bool
	// RevokeOld, Out and OutDir are RenewOptions'.
	RevokeOld   bool
	Out, OutDir string
}

// Options checks the request into RenewOptions (ca.ErrUsage when its
// parts do not go together); KeyPassphrase is left for the caller.
func (r RenewRequest) Options() (RenewOptions, error) {
	var opts RenewOptions
	switch {
	case (len(r.Args) == 1) == (r.Cert != "" || r.Expiring != "") || (r.Cert == "" && r.Expiring == "" && len(r.Args) == 0):
		return opts, usageErr{errors.New("give one of SERIAL, --cert FILE or --expiring-within D")}
	case r.Expiring != "" && r.OutDir == "":
		return opts, usageErr{errors.New("--expiring-within needs --out-dir DIR for the new certificates")}
	case r.Rekey && r.Out != "":
		return opts, usageErr{errors.New("--rekey writes a key too: use --out-dir DIR")}
	case r.Issuer != "" && r.Expiring == "":
		return opts, usageErr{errors.New("--issuer goes with --expiring-within; a single certificate is renewed by its own issuer")}
	}
	opts = RenewOptions{Rekey: r.Rekey, RevokeOld: r.RevokeOld, Out: r.Out, OutDir: r.OutDir}
	var err error
	if opts.Validity, err = DurationFlag("validity", r.Validity); err != nil {
		return opts, err
	}
	if r.Rekey {
		opts.KeyType, err = pem.ParseKeyType(r.KeyType)
	}
	return opts, err
}

// Renewals finds the certificates r renews: the expiring ones (Expiring),
// else the one recorded under the SERIAL argument or under the serial of
// cert, the certificate of the Cert file, which must be the one recorded
// (else ca.ErrNotFound). For a single certificate it checks the files opts
// would write (CheckFiles) before anything is signed.
func (h *Home) Renewals(ctx context.Context, r RenewRequest, cert *x509.Certificate, opts RenewOptions) ([]*ca.CertRecord, error) {
	serial, within, err := r.named(cert)
	if err != nil {
		return nil, err
	}
	if r.Expiring != "" {
		return h.Expiring(ctx, r.Issuer, within)
	}
	rec, err := h.Record(ctx, serial)
	if err == nil && cert != nil && string(rec.DER) != string(cert.Raw) {
		err = fmt.Errorf("%w: %s is not the certificate this home recorded under serial %s", ca.ErrNotFound, r.Cert, ca.FormatSerial(serial))
	}
	if err != nil {
		return nil, err
	}
	if c, err := x509.ParseCertificate(rec.DER); err == nil {
		if err := h.CheckFiles("--out", RenewalFiles(c.Subject.CommonName, opts)...); err != nil {
			return nil, err
		}
	}
	return []*ca.CertRecord{rec}, nil
}

// CheckNamed checks, as Renewals does first and without the home, how r
// names what to renew: the Expiring duration (csr.ErrBadDuration) or the
// SERIAL argument (ca.ErrBadSerial); a Cert file names a serial by its
// certificate, which the caller reads.
func (r RenewRequest) CheckNamed() error {
	if r.Cert != "" && r.Expiring == "" {
		return nil
	}
	_, _, err := r.named(nil)
	return err
}

// named is the serial r names, that of the SERIAL argument or else of cert,
// or with Expiring its duration.
func (r RenewRequest) named(cert *x509.Certificate) (*big.Int, time.Duration, error) {
	if r.Expiring != "" {
		d, err := ca.ParseFlagDuration("expiring-within", r.Expiring)
		return nil, d, err
	}
	arg := ""
	switch {
	case len(r.Args) == 1:
		arg = r.Args[0]
	case cert != nil: // as if given as SERIAL: a serial ca cannot record is refused alike
		arg = ca.FormatSerial(cert.SerialNumber)
	default:
		return nil, 0, usageErr{errors.New("give one of SERIAL, --cert FILE or --expiring-within D")}
	}
	serial, err := ca.ParseSerial(arg)
	return serial, 0, err
}

// RenewReport gathers the outcome of renewals as they come (Add is safe
// for concurrent use); its JSON is the -o json output of a batch.
type RenewReport struct {
	Renewed  []RenewedCert  `json:"renewed"`
	Failures []RenewFailure `json:"failures"`

	describe func(error) (string, int)
	mu       sync.Mutex
}

// RenewedCert is one renewal done.
type RenewedCert struct {
	Old      string    `json:"old"`
	Serial   string    `json:"serial"`
	Issuer   string    `json:"issuer"`
	Subject  string    `json:"subject"`
	NotAfter time.Time `json:"notAfter"`
	Files    []string  `json:"files"`
}

// RenewFailure is one renewal that failed, its error worded for people
// with its exit code.
type RenewFailure struct {
	Old      string `json:"old"`
	Subject  string `json:"subject"`
	Error    string `json:"error"`
	ExitCode int    `json:"exitCode"`
}

// NewRenewReport returns an empty report; describe words an error for
// people and gives its exit code.
func NewRenewReport(describe func(error) (msg string, code int)) *RenewReport {
	return &RenewReport{Renewed: []RenewedCert{}, Failures: []RenewFailure{}, describe: describe}
}

// Add adds the outcome of one renewal.
func (s *RenewReport) Add(r RenewResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Err != nil {
		msg, code := s.describe(r.Err)
		s.Failures = append(s.Failures, RenewFailure{Old: ca.FormatSerial(r.Old.Serial), Subject: r.Old.Subject, Error: msg, ExitCode: code})
		return
	}
	c, files := r.Issued.Cert, r.Files
	if files == nil {
		files = []string{}
	}
	s.Renewed = append(s.Renewed, RenewedCert{Old: ca.FormatSerial(r.Old.Serial), Serial: ca.FormatSerial(c.SerialNumber), Issuer: r.Issued.Record.Issuer,
		Subject: c.Subject.String(), NotAfter: c.NotAfter.UTC(), Files: files})
}

// Worst is the highest exit code of the failures, 0 without any.
func (s *RenewReport) Worst() int {
	worst := 0
	for _, f := range s.Failures {
		worst = max(worst, f.ExitCode)
	}
	return worst
}

// WriteText writes a line per renewal, a count unless there was just one,
// and a line per failure.
func (s *RenewReport) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, r := range s.Renewed {
		fmt.Fprintf(&b, "renewed %s -> %s (%s, until %s)", r.Old, r.Serial, ca.Printable(r.Subject), r.NotAfter.Format(time.RFC3339))
		for _, f := range r.Files {
			fmt.Fprintf(&b, " %s", f)
		}
		b.WriteString("\n")
	}
	if len(s.Renewed)+len(s.Failures) != 1 {
		fmt.Fprintf(&b, "renewed %d, failed %d\n", len(s.Renewed), len(s.Failures))
	}
	for _, f := range s.Failures {
		fmt.Fprintf(&b, "  %s (%s): exit %d: %s\n", f.Old, ca.Printable(f.Subject), f.ExitCode, ca.Printable(f.Error))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
