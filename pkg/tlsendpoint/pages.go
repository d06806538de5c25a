package tlsendpoint

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// CertInfo describes one certificate in a Result's PeerChain and on the
// Server's pages. Serial is lower-case hex of the serial's bytes; times are
// UTC and marshal as RFC 3339.
type CertInfo struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
}

func newCertInfo(c *x509.Certificate) CertInfo {
	return CertInfo{
		Subject:   c.Subject.String(),
		Issuer:    c.Issuer.String(),
		Serial:    serialHex(c),
		NotBefore: c.NotBefore.UTC(),
		NotAfter:  c.NotAfter.UTC(),
	}
}

func certInfos(certs []*x509.Certificate) []CertInfo {
	infos := make([]CertInfo, 0, len(certs))
	for _, c := range certs {
		infos = append(infos, newCertInfo(c))
	}
	return infos
}

// handshakeInfo is the body of /handshake.json and the data of /.
type handshakeInfo struct {
	TLSVersion        string     `json:"tlsVersion"`
	CipherSuite       string     `json:"cipherSuite"`
	Resumed           bool       `json:"resumed"`
	ALPN              string     `json:"alpn"`
	ServerName        string     `json:"serverName"`
	ClientCertificate *CertInfo  `json:"clientCertificate"`
	ServerChain       []CertInfo `json:"serverChain"`
}

func (s *Server) handshakeInfo(cs *tls.ConnectionState) handshakeInfo {
	h := handshakeInfo{
		TLSVersion:  tls.VersionName(cs.Version),
		CipherSuite: tls.CipherSuiteName(cs.CipherSuite),
		Resumed:     cs.DidResume,
		ALPN:        cs.NegotiatedProtocol,
		ServerName:  cs.ServerName,
		ServerChain: certInfos(s.chain),
	}
	if len(cs.PeerCertificates) > 0 {
		ci := newCertInfo(cs.PeerCertificates[0])
		h.ClientCertificate = &ci
	}
	return h
}

func (s *Server) newHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.serveIndex)
	mux.HandleFunc("GET /handshake.json", s.serveHandshakeJSON)
	mux.HandleFunc("GET /ca.pem", s.serveCAPEM)
	mux.HandleFunc("GET /crl", s.serveCRL)
	return mux
}

func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	if r.TLS == nil {
		http.Error(w, "tlsendpoint: not a TLS connection", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// Executing into the response can only fail on a write error, which
	// the client has already seen.
	_ = indexTemplate().Execute(w, s.handshakeInfo(r.TLS))
}

func (s *Server) serveHandshakeJSON(w http.ResponseWriter, r *http.Request) {
	if r.TLS == nil {
		http.Error(w, "tlsendpoint: not a TLS connection", http.StatusBadRequest)
		return
	}
	body, err := json.MarshalIndent(s.handshakeInfo(r.TLS), "", "  ")
	if err != nil {
		http.Error(w, "tlsendpoint: encoding the handshake: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(append(body, '\n'))
}

func (s *Server) serveCAPEM(w http.ResponseWriter, r *http.Request) {
	if len(s.caPEM) == 0 {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("Content-Length", strconv.Itoa(len(s.caPEM)))
	w.Write(s.caPEM)
}

func (s *Server) serveCRL(w http.ResponseWriter, r *http.Request) {
	if s.crl == nil {
		http.NotFound(w, r)
		return
	}
	der, err := s.crl(r.Context())
	if err != nil {
		http.Error(w, "tlsendpoint: reading the CRL: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Header().Set("Content-Length", strconv.Itoa(len(der)))
	w.Write(der)
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// indexTemplate is parsed on first use, not at every start of the ca binary.
var indexTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("index").Funcs(template.FuncMap{"time": formatTime}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ca serve: {{.TLSVersion}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5em; max-width: 100%; }
th, td { border: 1px solid #ccc; padding: .3em .7em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.mono { font-family: ui-monospace, monospace; word-break: break-all; }
td.time { white-space: nowrap; }
</style>
</head>
<body>
<h1>ca serve: TLS test endpoint</h1>
<h2>Connection</h2>
<table id="connection">
<tr><th>TLS version</th><td id="tls-version">{{.TLSVersion}}</td></tr>
<tr><th>Cipher suite</th><td id="cipher-suite">{{.CipherSuite}}</td></tr>
<tr><th>Resumed</th><td id="resumed">{{if .Resumed}}yes{{else}}no{{end}}</td></tr>
<tr><th>ALPN</th><td id="alpn">{{with .ALPN}}{{.}}{{else}}none{{end}}</td></tr>
<tr><th>Server name (SNI)</th><td id="server-name">{{with .ServerName}}{{.}}{{else}}none{{end}}</td></tr>
</table>
<h2>Client certificate</h2>
{{with .ClientCertificate}}<table id="client-certificate">
<tr><th>Subject</th><td>{{.Subject}}</td></tr>
<tr><th>Issuer</th><td>{{.Issuer}}</td></tr>
<tr><th>Serial</th><td class="mono">{{.Serial}}</td></tr>
<tr><th>Not after</th><td class="time">{{time .NotAfter}}</td></tr>
</table>{{else}}<p id="client-certificate">none</p>{{end}}
<h2>Server chain</h2>
<table id="server-chain">
<tr><th>#</th><th>Subject</th><th>Issuer</th><th>Serial</th><th>Not after</th></tr>
{{range $i, $c := .ServerChain}}<tr><td>{{$i}}</td><td>{{$c.Subject}}</td><td>{{$c.Issuer}}</td><td class="mono">{{$c.Serial}}</td><td class="time">{{time $c.NotAfter}}</td></tr>
{{end}}</table>
<p><a href="/handshake.json">handshake.json</a> · <a href="/ca.pem">ca.pem</a> · <a href="/crl">crl</a></p>
</body>
</html>
`))
})
