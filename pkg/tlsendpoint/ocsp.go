package tlsendpoint

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"golang.org/x/crypto/ocsp"
)

// maxOCSPResponse bounds an OCSP response read by CheckOCSP (a real one is
// a few KiB with a responder certificate).
const maxOCSPResponse = 1 << 20

// CheckOCSP asks the OCSP responder at rawURL (RFC 6960, by POST) about
// leaf, issued by issuer, and returns what it answers: good or revoked. The
// response must be signed by issuer or by a responder certificate issuer
// signed for OCSP, be about leaf, and be current at now (thisUpdate not in
// the future beyond a minute, nextUpdate not past); anything else, and an
// "unknown" answer, is an error. roots verify an https responder, as for
// FetchCRL.
func CheckOCSP(ctx context.Context, rawURL string, leaf, issuer *x509.Certificate, roots *x509.CertPool, now time.Time) (Revocation, error) {
	_, r, err := FetchOCSP(ctx, rawURL, leaf, issuer, roots, now)
	if err != nil {
		return RevocationUnchecked, err
	}
	switch r.Status {
	case ocsp.Good:
		return RevocationGood, nil
	case ocsp.Revoked:
		return RevocationRevoked, nil
	}
	return RevocationUnchecked, fmt.Errorf("tlsendpoint: OCSP %s: the responder does not know the certificate", rawURL)
}

// FetchOCSP asks the responder at rawURL about leaf as CheckOCSP does and
// returns the response, DER and parsed, once it checked its signature,
// subject and currency (any status).
func FetchOCSP(ctx context.Context, rawURL string, leaf, issuer *x509.Certificate, roots *x509.CertPool, now time.Time) ([]byte, *ocsp.Response, error) {
	req, err := ocsp.CreateRequest(leaf, issuer, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("tlsendpoint: OCSP request: %w", err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(req))
	if err != nil {
		return nil, nil, fmt.Errorf("tlsendpoint: OCSP %s: %w", rawURL, err)
	}
	hreq.Header.Set("Content-Type", "application/ocsp-request")
	resp, err := crlClient(roots).Do(hreq)
	if err != nil {
		return nil, nil, fmt.Errorf("tlsendpoint: OCSP %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("tlsendpoint: OCSP %s: HTTP %s", rawURL, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxOCSPResponse+1))
	if err == nil && len(body) > maxOCSPResponse {
		err = errors.New("response over 1 MiB")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("tlsendpoint: OCSP %s: %w", rawURL, err)
	}
	r, err := ocsp.ParseResponseForCert(body, leaf, issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("tlsendpoint: OCSP %s: %w", rawURL, err)
	}
	if r.Certificate != nil && !isOCSPSigner(r.Certificate) {
		return nil, nil, fmt.Errorf("tlsendpoint: OCSP %s: the responder certificate has no OCSPSigning usage", rawURL)
	}
	if r.ThisUpdate.After(now.Add(time.Minute)) || (!r.NextUpdate.IsZero() && !r.NextUpdate.After(now)) {
		return nil, nil, fmt.Errorf("tlsendpoint: OCSP %s: the answer is not current (thisUpdate %s, nextUpdate %s)",
			rawURL, r.ThisUpdate.UTC().Format(time.RFC3339), r.NextUpdate.UTC().Format(time.RFC3339))
	}
	return body, r, nil
}

// isOCSPSigner says c may sign OCSP answers for its issuer (RFC 6960, 4.2.2.2).
func isOCSPSigner(c *x509.Certificate) bool {
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageOCSPSigning {
			return true
		}
	}
	return false
}
