package ca

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"time"
)

// ProfileOCSPResponder is the profile name the store records for a
// delegated OCSP responder certificate.
const ProfileOCSPResponder = "ocsp-responder"

// OIDOCSPNoCheck is id-pkix-ocsp-nocheck (RFC 6960, 4.2.2.2.1).
var OIDOCSPNoCheck = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}

// IssueOCSPResponder signs and records a delegated OCSP responder
// certificate for pub (RFC 6960, 4.2.2.2): digitalSignature, the
// OCSPSigning extended key usage and id-pkix-ocsp-nocheck (a relying party
// does not check the responder's own revocation, so it must be
// short-lived). Its subject is the issuer's with "OCSP responder" as CN.
// A validity past the issuer's notAfter is refused (ErrRefused).
func (i *Issuer) IssueOCSPResponder(ctx context.Context, pub crypto.PublicKey, validity time.Duration) (*Issued, error) {
	skid, err := SubjectKeyID(pub)
	if err != nil {
		return nil, err
	}
	subject := pkix.Name{CommonName: "OCSP responder for " + i.cert.Subject.CommonName,
		Organization: i.cert.Subject.Organization, Country: i.cert.Subject.Country}
	tmpl := &x509.Certificate{
		Subject:               subject,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
		SubjectKeyId:          skid,
		BasicConstraintsValid: true,
		ExtraExtensions:       []pkix.Extension{{Id: OIDOCSPNoCheck, Value: []byte{0x05, 0x00}}},
	}
	iss, err := i.sign(tmpl, pub, validity, ProfileOCSPResponder)
	if err != nil {
		return nil, err
	}
	return recordOne(ctx, i.store, iss)
}
