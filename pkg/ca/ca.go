// Package ca is the certificate authority: roots and intermediates, the
// Issuer that signs under a Profile, revocation and CRL export, and the Store
// interface that records what an issuer vouched for.
//
// It does not know about files, flags or terminals (cmd/ca does), nor how a
// Store keeps its data (package store does). It never imports package store.
package ca

import (
	"errors"
)

// Sentinel errors callers branch on; cmd/ca maps them to exit codes.
var (
	// ErrNotFound: a serial, issuer or CRL the store does not hold.
	ErrNotFound = errors.New("ca: not found")
	// ErrExists: something that must be new already exists (an issuer name, a home).
	ErrExists = errors.New("ca: already exists")
	// ErrAlreadyRevoked: a serial revoked before. It matches ErrExists too.
	ErrAlreadyRevoked = &conflictError{"ca: already revoked"}
	// ErrSerialExists: the store already holds the serial; the caller draws a new
	// one and signs again. It matches ErrExists too.
	ErrSerialExists = &conflictError{"ca: serial already recorded"}
	// ErrCRLNumber: another process exported a CRL with the same number first.
	ErrCRLNumber = &conflictError{"ca: CRL number already used"}
	// ErrRefused: input that parses but breaks a rule (validity, profile, key).
	ErrRefused = errors.New("ca: refused")
	// ErrUsage: input that does not parse (a bad flag value, a bad serial).
	ErrUsage = errors.New("ca: bad input")
	// ErrVerify: a certificate that does not verify (chain, validity, revocation).
	ErrVerify = errors.New("ca: verification failed")
	// ErrDamaged: the store contradicts what its issuers signed: a last CRL
	// that does not verify, or that lists a certificate whose revocation
	// record is gone. A record read from the store that does not parse (a
	// certificate's DER) is one too. The remedy is a backup, never a new
	// signature.
	ErrDamaged = errors.New("ca: damaged store")
)

// RestoreHint is what a message about a damaged store tells the user to do.
const RestoreHint = "restore the store from a backup (see docs/operations.md)"

type conflictError struct{ msg string }

func (e *conflictError) Error() string        { return e.msg }
func (e *conflictError) Is(target error) bool { return target == ErrExists }
