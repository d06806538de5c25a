package csr

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
)

// Request is what the policy judges: the names and key of a certificate
// to be, whether they come from a CSR (RequestFromCSR) or from the flags of
// "ca issue".
type Request struct {
	// Subject is the DN as the request has it, duplicates and all, so that
	// they can be refused.
	Subject        pkix.RDNSequence
	DNSNames       []string
	IPAddresses    []net.IP
	EmailAddresses []string
	URIs           []*url.URL
	PublicKey      crypto.PublicKey
	// Extensions are the extensions the CSR requested, the SAN included
	// (x509.CertificateRequest.Extensions). Empty for "ca issue".
	Extensions []pkix.Extension
}

// RequestFromCSR makes the Request for a parsed CSR. The subject is read
// from c.RawSubject, so duplicate and unknown attributes are kept. It
// returns an error wrapping ErrMalformed when the subject does not parse.
func RequestFromCSR(c *x509.CertificateRequest) (Request, error) {
	if c == nil {
		return Request{}, errors.New("csr: no certificate request")
	}
	var subject pkix.RDNSequence
	if len(c.RawSubject) > 0 {
		rest, err := asn1.Unmarshal(c.RawSubject, &subject)
		if err != nil {
			return Request{}, fmt.Errorf("%w: subject: %w", ErrMalformed, err)
		}
		if len(rest) != 0 {
			return Request{}, fmt.Errorf("%w: trailing data after the subject", ErrMalformed)
		}
	} else {
		subject = c.Subject.ToRDNSequence()
	}
	return Request{
		Subject:        subject,
		DNSNames:       slices.Clone(c.DNSNames),
		IPAddresses:    slices.Clone(c.IPAddresses),
		EmailAddresses: slices.Clone(c.EmailAddresses),
		URIs:           slices.Clone(c.URIs),
		PublicKey:      c.PublicKey,
		Extensions:     slices.Clone(c.Extensions),
	}, nil
}
