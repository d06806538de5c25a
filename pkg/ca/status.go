package ca

import "time"

// Certificate states, as `ca list` shows and filters them.
const (
	StatusValid   = "valid"
	StatusRevoked = "revoked"
	StatusExpired = "expired"
)

// Status returns the state of the certificate at now: revoked when the store
// holds a revocation for it (even if it has expired since), expired after its
// notAfter, else valid.
func (r *CertRecord) Status(now time.Time) string {
	switch {
	case r.Revocation != nil:
		return StatusRevoked
	case now.After(r.NotAfter):
		return StatusExpired
	}
	return StatusValid
}
