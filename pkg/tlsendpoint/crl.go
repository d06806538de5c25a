package tlsendpoint

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Revocation is the revocation state of a certificate as Probe reports it.
type Revocation string

// The revocation states.
const (
	// RevocationGood: a valid CRL of the issuer does not list the serial.
	RevocationGood Revocation = "good"
	// RevocationRevoked: the issuer's CRL lists the serial.
	RevocationRevoked Revocation = "revoked"
	// RevocationUnchecked: no revocation source, or the check failed.
	RevocationUnchecked Revocation = "unchecked"
)

// maxCRLSize is the largest CRL FetchCRL accepts (the spec's CRL limit).
const maxCRLSize = 256 << 20

// CheckCRL tells whether leaf is revoked according to crlDER, the DER of a
// CRL. It first checks that the CRL and leaf were both issued by issuer
// (names, and the CRL's signature against issuer's key, which must be
// allowed to sign CRLs) and that the CRL is current at now (thisUpdate not
// in the future, nextUpdate, when present, not past: RFC 5280, 5.1.2.4-5),
// and only then looks for leaf's serial. On any error it returns
// RevocationUnchecked and the error.
func CheckCRL(crlDER []byte, leaf, issuer *x509.Certificate, now time.Time) (Revocation, error) {
	if leaf == nil || issuer == nil {
		return RevocationUnchecked, errors.New("tlsendpoint: checking a CRL needs the certificate and its issuer")
	}
	crl, err := x509.ParseRevocationList(crlDER)
	if err != nil {
		return RevocationUnchecked, fmt.Errorf("tlsendpoint: parsing the CRL: %w", err)
	}
	if !bytes.Equal(leaf.RawIssuer, issuer.RawSubject) {
		return RevocationUnchecked, fmt.Errorf("tlsendpoint: certificate %q was issued by %q, not by %q", leaf.Subject, leaf.Issuer, issuer.Subject)
	}
	if !bytes.Equal(crl.RawIssuer, issuer.RawSubject) {
		return RevocationUnchecked, fmt.Errorf("tlsendpoint: the CRL was issued by %q, not by the certificate's issuer %q", crl.Issuer, issuer.Subject)
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return RevocationUnchecked, fmt.Errorf("tlsendpoint: the CRL's signature does not verify against %q: %w", issuer.Subject, err)
	}
	if now.Before(crl.ThisUpdate) {
		return RevocationUnchecked, fmt.Errorf("tlsendpoint: the CRL is not valid yet (thisUpdate %s, now %s)", formatTime(crl.ThisUpdate), formatTime(now))
	}
	if !crl.NextUpdate.IsZero() && now.After(crl.NextUpdate) {
		return RevocationUnchecked, fmt.Errorf("tlsendpoint: the CRL expired at %s (nextUpdate); export a newer one", formatTime(crl.NextUpdate))
	}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber != nil && e.SerialNumber.Cmp(leaf.SerialNumber) == 0 {
			return RevocationRevoked, nil
		}
	}
	return RevocationGood, nil
}

// FetchCRL downloads a CRL with an HTTP or HTTPS GET (through the proxy
// the environment names, as http.DefaultClient) and returns its DER. An
// HTTPS server is verified against the system's roots and roots, so that
// the CRL of a server that a private root vouches for can be fetched too. The body may be DER or PEM ("X509 CRL"
// block); bodies over 256 MiB and statuses other than 200 are errors. It
// does not parse or verify the CRL: CheckCRL does.
func FetchCRL(ctx context.Context, rawURL string, roots *x509.CertPool) ([]byte, error) {
	return fetchCRL(ctx, rawURL, roots, maxCRLSize)
}

// crlClient is http.DefaultClient, trusting roots as well as the system's.
func crlClient(roots *x509.CertPool) *http.Client {
	if roots == nil {
		return http.DefaultClient
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{
		// Verified in VerifyConnection, against either pool: a CertPool
		// cannot be merged with the system's.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("tlsendpoint: the CRL server sent no certificate")
			}
			opts := x509.VerifyOptions{DNSName: cs.ServerName, Intermediates: x509.NewCertPool()}
			for _, c := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(c)
			}
			if _, err := cs.PeerCertificates[0].Verify(opts); err == nil {
				return nil // the system's roots
			}
			opts.Roots = roots
			_, err := cs.PeerCertificates[0].Verify(opts)
			return err
		},
	}
	return &http.Client{Transport: t}
}

func fetchCRL(ctx context.Context, rawURL string, roots *x509.CertPool, limit int64) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("tlsendpoint: CRL URL %q: %w", rawURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("tlsendpoint: CRL URL %q is not http or https", rawURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("tlsendpoint: fetching the CRL %s: %w", rawURL, err)
	}
	resp, err := crlClient(roots).Do(req)
	if err != nil {
		return nil, fmt.Errorf("tlsendpoint: fetching the CRL: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("tlsendpoint: fetching the CRL %s: HTTP status %s", rawURL, resp.Status)
	}
	tooLarge := fmt.Errorf("tlsendpoint: the CRL %s is larger than the limit of %d bytes", rawURL, limit)
	if resp.ContentLength > limit {
		return nil, tooLarge
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("tlsendpoint: reading the CRL %s: %w", rawURL, err)
	}
	if int64(len(body)) > limit {
		return nil, tooLarge
	}
	return crlDER(body)
}

// crlDER returns the DER of a CRL given as DER or PEM.
func crlDER(b []byte) ([]byte, error) {
	// A DER CRL is a SEQUENCE: its first byte is 0x30, which no PEM text
	// starts with.
	if len(b) > 0 && b[0] == 0x30 {
		return b, nil
	}
	rest := b
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("tlsendpoint: the CRL is PEM without an X509 CRL block")
		}
		if block.Type == "X509 CRL" {
			return block.Bytes, nil
		}
	}
}
