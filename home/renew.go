package home

import (
	"cmp"
	"context"
	"crypto/x509"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
)

// RenewOptions say how to renew certificates (SPEC.md, "Lifecycle").
type RenewOptions struct {
	// Rekey makes a new key of KeyType ("" means ECDSA P-256), encrypted with
	// KeyPassphrase (nil: unencrypted), for certificates whose key ca made.
	Rekey         bool
	KeyType       pem.KeyType
	KeyPassphrase []byte
	// Validity of the new certificates; 0 means as long as each old one was.
	Validity time.Duration
	// RevokeOld revokes each old certificate, superseded, in the
	// transaction that records its renewal.
	RevokeOld bool
	// Out is the file of a single renewal's certificate and its
	// intermediates; OutDir the directory of NAME.crt, NAME.chain.pem and,
	// with Rekey, NAME.key (NAME from the common name, as "ca issue" names
	// them). With neither, nothing is written.
	Out, OutDir string
	// Workers sign in parallel; 0 means one per CPU.
	Workers int
	// OnResult is called for each certificate, in commit order.
	OnResult func(RenewResult)
}

// RenewResult is what became of one renewal.
type RenewResult struct {
	Old    *ca.CertRecord
	Issued *ca.Issued // nil when Err is set
	Files  []string
	Err    error
}

// NoKeyError is returned for a rekey of a certificate whose key ca never
// held (it signed a request): its holder makes a new key and a new
// request. It matches ca.ErrUsage.
type NoKeyError struct{ Serial *big.Int }

func (e *NoKeyError) Error() string {
	return fmt.Sprintf("serial %s: ca never held this certificate's key (it signed a request), so it cannot make it a new one; make a new key and CSR, and sign that", ca.FormatSerial(e.Serial))
}

// Is makes NoKeyError match ca.ErrUsage.
func (e *NoKeyError) Is(target error) bool { return target == ca.ErrUsage }

// Renew renews olds through each one's issuer, in the batch pipeline of
// "ca issue": keys and signing in parallel, one transaction per group,
// files placed only after their commit. Each renewal is judged by today's
// policy; a revoked certificate, or one renewed already, is not renewed,
// and the store links old and new. It returns the first store error;
// each certificate's own outcome goes to OnResult.
func (h *Home) Renew(ctx context.Context, olds []*ca.CertRecord, o RenewOptions) error {
	byIssuer := map[string][]int{}
	var names []string
	for k, old := range olds {
		if _, ok := byIssuer[old.Issuer]; !ok {
			names = append(names, old.Issuer)
		}
		byIssuer[old.Issuer] = append(byIssuer[old.Issuer], k)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := h.renewUnder(ctx, name, olds, byIssuer[name], o); err != nil {
			return err
		}
	}
	return nil
}

// renewUnder renews olds[idx], all of issuer name, holding its store.
func (h *Home) renewUnder(ctx context.Context, name string, olds []*ca.CertRecord, idx []int, o RenewOptions) error {
	iss, err := h.LoadIssuer(ctx, name)
	if err != nil {
		for _, k := range idx {
			o.report(RenewResult{Old: olds[k], Err: err})
		}
		return nil
	}
	defer iss.Close()
	if err := iss.CheckNotRevoked(ctx); err != nil {
		for _, k := range idx {
			o.report(RenewResult{Old: olds[k], Err: err})
		}
		return nil
	}
	jobs := make(chan ca.Job)
	go func() {
		defer close(jobs)
		for n, k := range idx {
			select {
			case jobs <- h.renewJob(n, iss, olds[k], o):
			case <-ctx.Done():
				return
			}
		}
	}()
	return ca.RunBatch(ctx, ca.BatchConfig{Store: iss.Store, Placer: Placer{}, Workers: o.Workers, Hook: h.cfg.Hook, OnResult: func(r ca.Result) {
		o.report(RenewResult{Old: olds[idx[r.Index]], Issued: r.Issued, Files: r.Files, Err: r.Err})
	}}, jobs)
}

func (o RenewOptions) report(r RenewResult) {
	if o.OnResult != nil {
		o.OnResult(r)
	}
}

// renewJob is the batch job of one renewal.
func (h *Home) renewJob(n int, iss *Issuer, old *ca.CertRecord, o RenewOptions) ca.Job {
	var keyPEM []byte
	return ca.Job{
		Index: n,
		Sign: func() (*ca.Issued, error) {
			r := ca.Renewal{Old: old, Validity: o.Validity, RevokeOld: o.RevokeOld}
			if o.Rekey {
				if !old.KeyHeld {
					return nil, &NoKeyError{Serial: old.Serial}
				}
				key, err := pem.GenerateKey(cmp.Or(o.KeyType, pem.ECDSAP256))
				if err != nil {
					return nil, err
				}
				if keyPEM, err = pem.MarshalPrivateKey(key, o.KeyPassphrase); err != nil {
					return nil, err
				}
				r.PublicKey = key.Public()
			}
			issued, err := iss.SignRenewal(r)
			if err != nil {
				return nil, err
			}
			issued.Record.KeyHeld = old.KeyHeld || o.Rekey
			return issued, nil
		},
		Files: func(issued *ca.Issued) ([]ca.File, error) {
			if o.OutDir != "" {
				if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
					return nil, fmt.Errorf("create --out-dir: %w", err)
				}
			}
			return renewalFiles(issued.Cert, iss.Intermediates(), keyPEM, o), nil
		},
	}
}

// renewalFiles are the files of a renewed certificate: Out (the leaf and
// its intermediates), or the files "ca issue" writes in OutDir (the key
// only when there is a new one).
func renewalFiles(cert *x509.Certificate, intermediates []*x509.Certificate, keyPEM []byte, o RenewOptions) []ca.File {
	switch {
	case o.Out != "":
		return []ca.File{{Path: o.Out, Data: ca.EncodeChain(append([]*x509.Certificate{cert}, intermediates...)), Check: pem.KindCertificate.Check}}
	case o.OutDir == "":
		return nil
	}
	files := ca.ProvisionFiles(o.OutDir, ca.FileName(cert.Subject.CommonName), cert, intermediates, keyPEM)
	if keyPEM == nil {
		files = files[:2] // no new key: the holder keeps the one it has
	}
	return files
}

// RenewalFiles names the files Renew would write for a certificate with
// common name cn, for the checks before any work.
func RenewalFiles(cn string, o RenewOptions) []place.File {
	switch {
	case o.Out != "":
		return []place.File{{Path: o.Out, Check: pem.KindCertificate.Check}}
	case o.OutDir == "":
		return nil
	}
	base := filepath.Join(o.OutDir, ca.FileName(cn))
	files := []place.File{{Path: base + ".crt", Check: pem.KindCertificate.Check}, {Path: base + ".chain.pem", Check: pem.KindCertificate.Check}}
	if o.Rekey {
		files = append(files, place.File{Path: base + ".key", NoReplace: true})
	}
	return files
}

// Expiring returns the records of the valid certificates of issuer (every
// issuer for "") that end within d of now and have not been renewed: what
// the nightly "ca renew --expiring-within" renews. CA certificates are left
// out.
func (h *Home) Expiring(ctx context.Context, issuer string, d time.Duration) ([]*ca.CertRecord, error) {
	st, err := h.OpenStoreRead()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	now := h.cfg.Now()
	var out []*ca.CertRecord
	q := ca.Query{Issuer: issuer, NotAfterBefore: now.Add(d)}
	err = st.Certificates(ctx, q, func(r *ca.CertRecord) error {
		if r.Revocation == nil && r.RenewedBy == nil && r.NotAfter.After(now) &&
			r.Profile != ca.ProfileRoot.Name() && r.Profile != ca.ProfileIntermediate.Name() && r.Profile != ca.ProfileCross.Name() {
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// Record returns the store's record of serial.
func (h *Home) Record(ctx context.Context, serial *big.Int) (*ca.CertRecord, error) {
	st, err := h.OpenStoreRead()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return st.Certificate(ctx, serial)
}
