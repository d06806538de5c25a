// Package csr owns certificate signing requests and the signing policy: it
// creates and parses PKCS#10 requests (RFC 2986), turns a request (or the
// flags of "ca issue") into a neutral [Request], and judges a Request
// against an issuer's [Policy] on its subject DN, subject alternative names,
// public key, requested extensions, profile and validity.
//
// It does not sign certificates, frame PEM, hold keys or store anything:
// callers pass DER in (pkg/pem does the framing) and take a [Judgement] out;
// pkg/ca decides what to issue from it.
//
// Errors are of three kinds: [ErrMalformed] for input that does not parse
// (the CLI's exit 2), [ErrBadSignature], [ErrWeakSignature] and
// *[RefusalError] / *[PolicyError] for input that parses but breaks a rule
// (exit 3), and [ErrBadPolicy] / [ErrBadDuration] for a bad policy file or
// duration.
package csr
