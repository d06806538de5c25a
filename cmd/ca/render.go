package main

import (
	"errors"

	"github.com/ca-toolkit/ca/internal/errtext"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// message is an error as a person reads it after "ca: ": in the command's
// own words, with a hint of what to do next where one helps
// (internal/errtext words library errors for people).
func message(err error) string { return errtext.Message(err) }

// render rewrites msg, an error's text, in the command's own words.
func render(msg string) string { return errtext.Render(msg) }

// hint is what to do next for err, "" when the message says enough.
func hint(err error) string { return errtext.Hint(err) }

// explain is message with what only the globals know: where a passphrase
// that does not open an issuer key came from.
func (g *globals) explain(err error) string {
	msg := message(err)
	if errors.Is(err, pem.ErrWrongPassphrase) {
		msg += " (the passphrase came from " + g.secrets().IssuerOrigin() + ")"
	}
	return msg
}
