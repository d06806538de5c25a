package main

import (
	"errors"
	"io/fs"

	"github.com/ca-toolkit/ca/internal/cmdtree"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/passphrase"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/pkcs11"
	"github.com/ca-toolkit/ca/pkg/place"
	"github.com/ca-toolkit/ca/pkg/verify"
	"github.com/ca-toolkit/ca/store"
)

// Exit codes of SPEC.md.
const (
	exitOK       = 0
	exitFailed   = 1
	exitUsage    = 2
	exitRefused  = 3
	exitNotFound = 4
	exitConflict = 5
	exitVerify   = 6
	exitBusy     = 7
)

// usageError marks bad flags, arguments and input that does not parse.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitError carries an exit code decided by the command itself (a batch's
// worst result, a probe's expectation) after it has reported the details.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// exitCode maps an error to the exit code of SPEC.md; this is the one place
// that does.
func exitCode(err error) int {
	var ee *exitError
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, store.ErrLocked):
		return exitBusy
	case errors.Is(err, store.ErrCorrupt), errors.Is(err, ca.ErrDamaged):
		// A damaged store is exit 1 whatever the damage made a record
		// say (an unparsable serial is not the user's bad input).
		return exitFailed
	case errors.As(err, &ue), errors.Is(err, ca.ErrUsage), errors.Is(err, ca.ErrBadSerial),
		errors.Is(err, pem.ErrMalformed), errors.Is(err, verify.ErrMalformed), errors.Is(err, pem.ErrUnknownKeyType),
		errors.Is(err, passphrase.ErrUsage), errors.Is(err, pem.ErrNotRegularInput), errors.Is(err, store.ErrNotRegular), errors.Is(err, pkcs11.ErrUsage),
		csr.IsMalformed(err), cmdtree.IsUsage(err):
		return exitUsage
	case errors.Is(err, ca.ErrVerify):
		return exitVerify
	case errors.Is(err, ca.ErrRefused), errors.Is(err, pem.ErrTooLarge), errors.Is(err, pem.ErrKeyPermissions),
		csr.IsRefusal(err):
		return exitRefused
	case errors.Is(err, ca.ErrExists), errors.Is(err, place.ErrExists), errors.Is(err, pem.ErrOtherKind), errors.Is(err, fs.ErrExist):
		return exitConflict
	case errors.Is(err, ca.ErrNotFound), errors.Is(err, fs.ErrNotExist):
		return exitNotFound
	}
	return exitFailed
}
