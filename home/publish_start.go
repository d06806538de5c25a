package home

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/publish"
)

// PublishFlags are the flags of "ca publish" as the user gave them;
// Check turns them into a PublishConfig.
type PublishFlags struct {
	Addr       string // HOST:PORT
	CRLRefresh string // a duration; "": never
	ReadyFile  string
	OCSPSigner string // issuer or delegated
}

// PublishConfig is what StartPublish runs: PublishFlags checked.
type PublishConfig struct {
	PublishOptions
	Addr      string
	ReadyFile string
}

// Check refuses a --ready-file that exists (ca.ErrExists) or whose
// directory is missing (ca.ErrNotFound), then checks the flags; bad
// values are ca.ErrUsage, their message naming the flag.
func (f PublishFlags) Check() (*PublishConfig, error) {
	if err := checkReadyFile(f.ReadyFile); err != nil {
		return nil, err
	}
	c := &PublishConfig{Addr: f.Addr, ReadyFile: f.ReadyFile}
	switch f.OCSPSigner {
	case "issuer":
	case "delegated":
		c.Delegated = true
	default:
		return nil, usageErr{fmt.Errorf("--ocsp-signer %q: want issuer or delegated", f.OCSPSigner)}
	}
	if f.CRLRefresh != "" {
		d, err := ca.ParseFlagDuration("crl-refresh", f.CRLRefresh)
		if err != nil {
			return nil, err
		}
		c.CRLMaxAge = d
	}
	if _, _, err := net.SplitHostPort(f.Addr); err != nil {
		return nil, usageErr{fmt.Errorf("--addr %q: want HOST:PORT, such as 127.0.0.1:8080", f.Addr)}
	}
	return c, nil
}

// PublishStart is what "ca publish" says once it accepts connections.
type PublishStart struct {
	URL  string `json:"url"`
	OCSP string `json:"ocsp"`
}

// WriteText writes s as publish's text line.
func (s PublishStart) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "publishing %s: CRLs at crl/NAME.crl, certificates at ca/NAME.crt, OCSP at ocsp\n", s.URL)
	return err
}

// StartPublish starts "ca publish": it listens on c.Addr (a busy port
// fails before the home is asked for and any key is opened), makes the
// server of the home (Publisher, logging to errLog) and writes the URL to
// c.ReadyFile. home gives the home once the port is bound. The caller
// prints the start, then calls Serve and Close.
func StartPublish(ctx context.Context, home func() *Home, c *PublishConfig, errLog *log.Logger) (*Listening, *PublishStart, error) {
	return listenThen("publish", c.Addr, func(l *Listening) (*PublishStart, error) { return home().startPublish(ctx, c, errLog, l) })
}

// startPublish is StartPublish once l listens.
func (h *Home) startPublish(ctx context.Context, c *PublishConfig, errLog *log.Logger, l *Listening) (*PublishStart, error) {
	cfg, err := h.Publisher(ctx, c.PublishOptions)
	if err != nil {
		return nil, err
	}
	cfg.ErrorLog = errLog
	srv, err := publish.NewServer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	l.serve = srv.Serve
	url := "http://" + l.Addr().String() + "/"
	return &PublishStart{URL: url, OCSP: url + "ocsp"}, l.writeReady("publish", c.ReadyFile, url)
}
