package ca

import (
	"strconv"
	"strings"
	"unicode"
)

// Printable returns s as it is, or quoted (strconv.Quote) when it holds a
// control or other non-printable character. Text taken from a certificate
// the toolkit did not make (a subject, a SAN) goes through it before it is
// put in a message or a line of text output, so that it cannot clear a
// terminal or forge lines of output or logs.
func Printable(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return strconv.Quote(s)
	}
	return s
}
