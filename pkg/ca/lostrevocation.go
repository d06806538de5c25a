package ca

import (
	"fmt"
	"time"
)

// Lost says, for people, that the certificate is revoked on the CRL but
// the store has no record of the revocation (MissingRevocations finds
// them): `serial 0a is revoked on CRL 4 of issuer root (at ..., reason
// keyCompromise), but the store has no record of the revocation: ...`.
func (r *CRLRevocation) Lost() string {
	return fmt.Sprintf("serial %s is revoked on %s (at %s, reason %s), but the store has no record of the revocation: it was lost to damage or deleted behind the toolkit's back",
		FormatSerial(r.Serial), r.Source(), r.RevokedAt.UTC().Format(time.RFC3339), r.Reason)
}
