package main

import (
	"errors"

	"github.com/ca-toolkit/ca/internal/errtext"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// explain is message with what only the globals know: where a passphrase
// that does not open an issuer key came from.
func (g *globals) explain(err error) string {
	msg := errtext.Message(err)
	if errors.Is(err, pem.ErrWrongPassphrase) {
		msg += " (the passphrase came from " + g.secrets().IssuerOrigin() + ")"
	}
	return msg
}
