// Package publish serves what relying parties fetch to check a home's
// certificates (SPEC.md, "Publication: distribution points and OCSP"):
// each issuer's latest CRL and its certificate over plain HTTP, and an OCSP
// responder (RFC 6960; RFC 5019 GET and POST) that answers good, revoked or
// unknown from a snapshot of the store that a background loop refreshes
// every second, opening the store only for as long as a read takes.
//
// It owns the OCSP wire format (requests are parsed and responses encoded
// and signed here, nonce included) and the HTTP handler. It does not open
// homes, read keys or flags, or sign CRLs: the caller gives it a store
// opener and the issuers' signers (package home, cmd/ca).
package publish
