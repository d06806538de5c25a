package ca

import (
	"context"
	"fmt"
)

// RevokedSerials returns every serial revoked in st, across all its
// issuers (intermediates included), keyed by FormatSerial: the lower-case
// hex of the serial's octets, as a TLS server checking client certificates
// looks them up. The map is new on every call and is not kept by st.
func RevokedSerials(ctx context.Context, st Store) (map[string]bool, error) {
	issuers, err := st.Issuers(ctx)
	if err != nil {
		return nil, fmt.Errorf("ca: reading the issuers for their revocations: %w", err)
	}
	out := map[string]bool{}
	for _, iss := range issuers {
		err := st.Revocations(ctx, iss.Name, func(r *Revocation) error {
			out[FormatSerial(r.Serial)] = true
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("ca: reading the revocations of issuer %s: %w", iss.Name, err)
		}
	}
	return out, nil
}
