package main

import (
	"math/big"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// renewalLinks are a stored certificate's renewal links in "ca show" and
// "ca list -o json": serials, or null.
type renewalLinks struct {
	RenewalOf *string `json:"renewalOf"`
	RenewedBy *string `json:"renewedBy"`
}

// serialOrNil formats s, or returns nil for JSON's null.
func serialOrNil(s *big.Int) *string {
	if s == nil {
		return nil
	}
	v := ca.FormatSerial(s)
	return &v
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
