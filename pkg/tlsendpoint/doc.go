// Package tlsendpoint is the TLS test endpoint behind "ca serve" (Server) and
// the TLS client behind "ca probe" (Probe).
//
// Server serves HTTPS pages that describe the connection (TLS version, cipher
// suite, resumption, the client certificate and the server chain), the home's
// CA certificate and its latest CRL. With client authentication it verifies
// client certificates itself, in tls.Config.VerifyConnection, against the
// home's roots and intermediates and against a revocation set that it
// refreshes in the background, so that a revocation takes effect on the next
// handshake, resumed sessions included.
//
// Probe connects to a TLS server, verifies its chain, checks the leaf's
// revocation (CheckCRL, FetchCRL) and tells whether the server refused the
// client certificate.
//
// The package owns neither issuance nor storage: the certificate, the pools,
// the revocation set and the CRL come from the caller (the CLI wires them to
// the store through RevocationSource and ServerConfig.CRL). Nothing here
// prints, exits, or reads flags or the environment.
package tlsendpoint
