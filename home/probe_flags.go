package home

import (
	"errors"
	"fmt"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/tlsendpoint"
)

// ProbeFlags are the flags and the address of "ca probe" as the user gave
// them; Check turns them into a ProbeRequest, ScanConfig into a scan's.
type ProbeFlags struct {
	Address    string // URL or HOST:PORT
	CAFile     string // roots to verify with
	Issuer     string // else this issuer of the home
	CertFile   string // with KeyFile: a client certificate to offer
	KeyFile    string
	ServerName string
	TLSMin     string // 1.2 or 1.3; "": the default
	TLSMax     string
	CRL        string // a file, PEM or DER, or an http(s) URL
	Resume     bool
	Expect     string // ok, revoked or refused; "": ok
	Timeout    string // a duration
	Scan       bool   // list what the server accepts instead
}

// ProbeRequest is what (*Home).Probe runs: ProbeFlags checked. Its
// ProbeConfig has the address, server name, versions, timeout and Resume;
// Probe adds the roots, the client certificate and the revocation check.
type ProbeRequest struct {
	tlsendpoint.ProbeConfig
	CAFile, Issuer    string
	CertFile, KeyFile string
	CRL               string
	Expect            tlsendpoint.Outcome
}

// Check checks the flags of a verifying probe; bad values are
// ca.ErrUsage (a duration that does not parse: csr.ErrBadDuration), their
// message naming the flag.
func (f ProbeFlags) Check() (*ProbeRequest, error) {
	r := &ProbeRequest{CAFile: f.CAFile, Issuer: f.Issuer, CertFile: f.CertFile, KeyFile: f.KeyFile, CRL: f.CRL, Expect: tlsendpoint.Outcome(f.Expect)}
	switch r.Expect {
	case "", tlsendpoint.OutcomeOK, tlsendpoint.OutcomeRevoked, tlsendpoint.OutcomeRefused:
	default:
		return nil, usageErr{fmt.Errorf("--expect %q: use ok, revoked or refused", f.Expect)}
	}
	if err := f.checkVersions(&r.ProbeConfig); err != nil {
		return nil, err
	}
	timeout, err := f.timeout()
	if err != nil {
		return nil, err
	}
	if (f.CertFile == "") != (f.KeyFile == "") {
		return nil, usageErr{errors.New("--cert and --key go together")}
	}
	if f.CAFile != "" && f.Issuer != "" {
		return nil, usageErr{errors.New("--ca and --issuer exclude each other: give one")}
	}
	r.Address, r.Timeout, r.ServerName, r.Resume = f.Address, timeout, f.ServerName, f.Resume
	return r, nil
}

// checkVersions parses --tls-min and --tls-max into cfg.
func (f ProbeFlags) checkVersions(cfg *tlsendpoint.ProbeConfig) error {
	for _, v := range []struct {
		flag, value string
		dst         *uint16
	}{{"tls-min", f.TLSMin, &cfg.MinVersion}, {"tls-max", f.TLSMax, &cfg.MaxVersion}} {
		if v.value == "" {
			continue
		}
		ver, err := tlsendpoint.ParseTLSVersion(v.value)
		if err != nil {
			return usageErr{fmt.Errorf("--%s %q: use 1.2 or 1.3", v.flag, v.value)}
		}
		*v.dst = ver
	}
	if cfg.MinVersion != 0 && cfg.MaxVersion != 0 && cfg.MinVersion > cfg.MaxVersion {
		return usageErr{fmt.Errorf("--tls-min %s is above --tls-max %s", f.TLSMin, f.TLSMax)}
	}
	return nil
}

// timeout parses --timeout, which must be positive.
func (f ProbeFlags) timeout() (time.Duration, error) {
	timeout, err := ca.ParseFlagDuration("timeout", f.Timeout)
	if err != nil {
		return 0, err
	}
	if timeout <= 0 {
		return 0, usageErr{fmt.Errorf("--timeout %q: give a positive duration, such as 10s", f.Timeout)}
	}
	return timeout, nil
}

// ScanConfig checks the flags of "ca probe --scan": those of a verifying
// probe are refused (ca.ErrUsage), as is a timeout that is not positive.
func (f ProbeFlags) ScanConfig() (tlsendpoint.ScanConfig, error) {
	for _, g := range []struct {
		name string
		set  bool
	}{
		{"ca", f.CAFile != ""}, {"issuer", f.Issuer != ""}, {"cert", f.CertFile != ""}, {"key", f.KeyFile != ""},
		{"tls-min", f.TLSMin != ""}, {"tls-max", f.TLSMax != ""}, {"crl", f.CRL != ""}, {"resume", f.Resume}, {"expect", f.Expect != ""},
	} {
		if g.set {
			return tlsendpoint.ScanConfig{}, usageErr{fmt.Errorf("--scan and --%s exclude each other: a scan tries every version and suite and verifies no chain", g.name)}
		}
	}
	timeout, err := f.timeout()
	if err != nil {
		return tlsendpoint.ScanConfig{}, err
	}
	return tlsendpoint.ScanConfig{Address: f.Address, ServerName: f.ServerName, Timeout: timeout}, nil
}
