package csr

import "encoding/asn1"

// ExtensionName is the name of the extension oid as RFC 5280, Go's
// crypto/x509 and zlint call it ("subjectAltName", "tlsFeature
// (must-staple)"), or "" for one none of them knows.
func ExtensionName(oid asn1.ObjectIdentifier) string {
	return extensionNames[oid.String()]
}
