package home

import (
	"errors"
	"fmt"
	"net"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/tlsendpoint"
)

// ServeFlags are the flags of "ca serve" as the user gave them; Check
// turns them into an EndpointConfig.
type ServeFlags struct {
	Issuer     string
	Addr       string // HOST:PORT
	DNS        []string
	IPs        []string
	CertFile   string // with KeyFile: serve this certificate
	KeyFile    string
	ClientAuth string // none, request or require
	TLSMin     string // 1.2 or 1.3
	ReadyFile  string
	OCSPStaple bool
	Validity   string // of the certificate serve issues itself
	KeyType    string
}

// EndpointConfig is what StartServe runs: ServeFlags checked, --cert and
// --key read.
type EndpointConfig struct {
	ServeOptions
	Addr       string
	ClientAuth tlsendpoint.ClientAuth
	TLSMin     uint16
	OCSPStaple bool
	ReadyFile  string
}

// Check refuses a --ready-file that exists (ca.ErrExists) or whose
// directory is missing (ca.ErrNotFound), checks the flags, then reads
// --cert and --key, the key opened with openKey. Bad values are
// ca.ErrUsage (a duration or key type that does not parse:
// csr.ErrBadDuration, pem.ErrUnknownKeyType), their message naming the
// flag.
func (f ServeFlags) Check(openKey OpenKeyFunc) (*EndpointConfig, error) {
	if err := checkReadyFile(f.ReadyFile); err != nil {
		return nil, err
	}
	c := &EndpointConfig{Addr: f.Addr, OCSPStaple: f.OCSPStaple, ReadyFile: f.ReadyFile}
	if err := f.checkValues(c); err != nil {
		return nil, err
	}
	if f.CertFile != "" {
		own, err := ReadTLSKeyPair(f.CertFile, f.KeyFile, openKey)
		if err != nil {
			return nil, err
		}
		c.Cert = &own
	}
	return c, nil
}

// checkValues parses the values of f into c.
func (f ServeFlags) checkValues(c *EndpointConfig) error {
	var err error
	if c.ClientAuth, err = tlsendpoint.ParseClientAuth(f.ClientAuth); err != nil {
		return usageErr{fmt.Errorf("--client-auth %q: use none, request or require", f.ClientAuth)}
	}
	if c.TLSMin, err = tlsendpoint.ParseTLSVersion(f.TLSMin); err != nil {
		return usageErr{fmt.Errorf("--tls-min %q: use 1.2 or 1.3", f.TLSMin)}
	}
	c.Issuer, c.DNSNames = f.Issuer, f.DNS
	if c.Validity, err = ca.ParseFlagDuration("validity", f.Validity); err != nil {
		return err
	}
	if c.KeyType, err = pem.ParseKeyType(f.KeyType); err != nil {
		return err
	}
	for _, s := range f.IPs {
		ip := net.ParseIP(s)
		if ip == nil {
			return usageErr{fmt.Errorf("--ip %q is not an IP address", s)}
		}
		c.IPs = append(c.IPs, ip)
	}
	if len(f.DNS) == 0 && len(c.IPs) == 0 {
		return usageErr{errors.New("the server certificate needs a name: give --dns or --ip")}
	}
	if (f.CertFile == "") != (f.KeyFile == "") {
		return usageErr{errors.New("--cert and --key go together")}
	}
	if _, _, err := net.SplitHostPort(f.Addr); err != nil {
		return usageErr{fmt.Errorf("--addr %q: want HOST:PORT, such as 127.0.0.1:8443", f.Addr)}
	}
	return nil
}
