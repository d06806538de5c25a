package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"os"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/place"
	"github.com/ca-toolkit/ca/pkg/publish"
)

type publishOptions struct {
	addr       string
	crlRefresh string
	readyFile  string
	ocspSigner string
}

func newPublishCmd(g *globals) *cobra.Command {
	o := &publishOptions{}
	cmd := &cobra.Command{
		Use:   "publish [--addr 127.0.0.1:8080] [--crl-refresh D]",
		Short: "Serve CRLs, CA certificates and OCSP over plain HTTP for relying parties",
		Long: `publish serves, over plain HTTP as relying parties fetch them, for every
issuer of the home:
  GET /crl/NAME.crl   the issuer's latest CRL (DER)
  GET /ca/NAME.crt    the issuer's certificate (DER)
  /ocsp               an OCSP responder (RFC 6960; RFC 5019 GET /ocsp/BASE64 and POST)
OCSP answers good, revoked (time, reason) or unknown, signed by the issuer
(or, with --ocsp-signer delegated, by a one-day responder certificate with
OCSPSigning and ocsp-nocheck that publish issues, records and renews), the
request's nonce echoed; they are read from the store, which publish
rereads within a second of any change and never holds between requests.
With --crl-refresh D it signs a fresh CRL when the latest is older than D or
a revocation came since. Point the URLs of "ca issuer urls" at it; put it
behind a reverse proxy to serve it to the world. See docs/publication.md.`,
		Example: `  ca publish --addr 127.0.0.1:8080 --crl-refresh 1h
  ca issuer urls --crl-url 'http://pki.example.com/crl/{issuer}.crl' --ocsp-url http://pki.example.com/ocsp`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPublish(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "HOST:PORT to listen on (port 0: any free one)")
	f.StringVar(&o.crlRefresh, "crl-refresh", "", "sign a fresh CRL when the latest is older than this or a revocation came since (e.g. 1h; default: never)"+durationUnits)
	f.StringVar(&o.ocspSigner, "ocsp-signer", "issuer", "who signs OCSP answers: issuer (its own key) or delegated (a responder certificate publish issues, records and renews daily)")
	f.StringVar(&o.readyFile, "ready-file", "", "write the URL to this new file once connections are accepted (it must not exist; removed on exit if unchanged)")
	return cmd
}

func runPublish(ctx context.Context, g *globals, o *publishOptions) error {
	if err := checkReadyFile(o.readyFile); err != nil {
		return err
	}
	opts, err := o.options()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("publish: listen on %s: %w", o.addr, err)
	}
	defer ln.Close()
	cfg, err := g.h().Publisher(ctx, opts)
	if err != nil {
		return err
	}
	cfg.ErrorLog = log.New(logLines{g.stderr}, "ca: publish: ", 0)
	srv, err := publish.NewServer(ctx, cfg)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String() + "/"
	ready, err := announcePublish(g, o.readyFile, url)
	defer ready.remove()
	if err != nil {
		return err
	}
	return srv.Serve(ctx, ln)
}

// options parses the flags into what the home needs.
func (o *publishOptions) options() (home.PublishOptions, error) {
	var opts home.PublishOptions
	switch o.ocspSigner {
	case "issuer":
	case "delegated":
		opts.Delegated = true
	default:
		return opts, usageError{fmt.Errorf("--ocsp-signer %q: want issuer or delegated", o.ocspSigner)}
	}
	if o.crlRefresh != "" {
		d, err := parseDuration("crl-refresh", o.crlRefresh)
		if err != nil {
			return opts, err
		}
		opts.CRLMaxAge = d
	}
	if _, _, err := net.SplitHostPort(o.addr); err != nil {
		return opts, usageError{fmt.Errorf("--addr %q: want HOST:PORT, such as 127.0.0.1:8080", o.addr)}
	}
	return opts, nil
}

// announcePublish writes url to the ready file (never over a file) and
// prints it, as text or one JSON line.
func announcePublish(g *globals, path, url string) (*readyFile, error) {
	var ready *readyFile
	if path != "" {
		data := []byte(url + "\n")
		if err := place.WriteFiles(place.File{Path: path, Data: data, NoReplace: true}); err != nil {
			return nil, fmt.Errorf("publish: ready file: %w", err)
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return nil, fmt.Errorf("publish: ready file: %w", err)
		}
		ready = &readyFile{path: path, data: data, info: fi}
	}
	if g.json() {
		b, err := json.Marshal(struct {
			URL  string `json:"url"`
			OCSP string `json:"ocsp"`
		}{url, url + "ocsp"})
		if err != nil {
			return ready, errors.New("write JSON")
		}
		_, err = fmt.Fprintf(g.stdout, "%s\n", b)
		return ready, err
	}
	_, err := fmt.Fprintf(g.stdout, "publishing %s: CRLs at crl/NAME.crl, certificates at ca/NAME.crt, OCSP at ocsp\n", url)
	return ready, err
}
