package home

import (
	"bufio"
	"fmt"
	"io"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/tlsendpoint"
)

// ProbeReport is what "ca probe" reports: the Result (its JSON as is) and,
// in text, where the revocation state came from.
type ProbeReport struct {
	*tlsendpoint.Result
	// Source names where the revocation state came from (ProbeRevocation.Source).
	Source string
	// Resume: a second handshake was asked for (the text says whether it resumed).
	Resume bool
	// Expect is the outcome the user expects; "" means ok.
	Expect tlsendpoint.Outcome
}

// MarshalJSON is the Result's JSON.
func (r ProbeReport) MarshalJSON() ([]byte, error) { return r.Result.MarshalJSON() }

// Unexpected is nil when the outcome is the expected one (ok by default),
// else an error (ca.ErrVerify) saying what happened.
func (r *ProbeReport) Unexpected() error {
	got := r.Outcome()
	detail := r.Error
	if detail == "" && r.VerifyError != "" {
		detail = "chain: " + r.VerifyError
	}
	if detail != "" {
		detail = " (" + detail + ")"
	}
	switch {
	case r.Expect == "" && got == tlsendpoint.OutcomeOK, got == r.Expect:
		return nil
	case r.Expect == "":
		return verifyErr{fmt.Sprintf("probe %s: %s%s", r.Address, got, detail)}
	}
	return verifyErr{fmt.Sprintf("expected %s, got %s%s", r.Expect, got, detail)}
}

// verifyErr is an error with its own message that is also ca.ErrVerify.
type verifyErr struct{ msg string }

func (e verifyErr) Error() string        { return e.msg }
func (e verifyErr) Is(target error) bool { return target == ca.ErrVerify }

// WriteText writes the report for people: the handshake, the chain the
// server sent (names quoted when they hold control characters), the
// revocation state and its source, the timings and the outcome.
func (r ProbeReport) WriteText(out io.Writer) error {
	w := bufio.NewWriter(out)
	fmt.Fprintf(w, "probe %s (server name %s): %s\n", r.Address, r.ServerName, r.Outcome())
	if r.TLSVersion != "" {
		alpn := r.ALPN
		if alpn == "" {
			alpn = "none"
		}
		fmt.Fprintf(w, "  tls         %s, %s, ALPN %s\n", r.TLSVersion, r.CipherSuite, alpn)
	}
	if r.Resume {
		resumed := "no"
		if r.Resumed {
			resumed = "yes"
		}
		fmt.Fprintf(w, "  resumed     %s\n", resumed)
	}
	r.writeChain(w)
	fmt.Fprintf(w, "  revocation  %s", r.Revocation)
	if r.Source != "none" {
		fmt.Fprintf(w, " (%s)", r.Source)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  handshake   %.1f ms", float64(r.HandshakeTime)/float64(time.Millisecond))
	if r.ResumeTime > 0 {
		fmt.Fprintf(w, ", resumed handshake %.1f ms", float64(r.ResumeTime)/float64(time.Millisecond))
	}
	fmt.Fprintln(w)
	if r.ClientCertRefused {
		fmt.Fprintln(w, "  client      the server refused our client certificate")
	}
	if r.Error != "" {
		fmt.Fprintf(w, "  error       %s\n", ca.Printable(r.Error))
	}
	fmt.Fprintf(w, "  outcome     %s\n", r.Outcome())
	return w.Flush()
}

// writeChain writes whether the chain verified and the certificates the
// server sent.
func (r ProbeReport) writeChain(w io.Writer) {
	chain := "verified"
	if !r.Verified {
		chain = "NOT verified"
		if r.VerifyError != "" {
			chain += ": " + r.VerifyError
		}
	}
	if len(r.PeerChain) > 0 {
		fmt.Fprintf(w, "  chain       %s\n", ca.Printable(chain))
	}
	for i, c := range r.PeerChain {
		fmt.Fprintf(w, "    %d %s\n      issuer %s, serial %s, notAfter %s\n", i, ca.Printable(c.Subject), ca.Printable(c.Issuer), c.Serial, c.NotAfter.Format(time.RFC3339))
	}
}
