package ca

import (
	"bufio"
	"crypto/x509/pkix"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"github.com/ca-toolkit/ca/pkg/csr"
)

// ManifestColumns are the columns a manifest may name in its first row, in
// the order the documentation lists them (SPEC.md, "ca issue").
var ManifestColumns = []string{"cn", "dns", "ip", "email", "uri", "profile", "validity", "o", "ou", "l", "st", "c"}

// ManifestListSeparator separates the names of one cell of the list columns
// (dns, ip, email, uri).
const ManifestListSeparator = ";"

// ManifestRow is one row of a manifest, as text. Empty cells are empty
// strings or nil lists: "not given".
type ManifestRow struct {
	// Line is the line of the manifest the row starts on (the header is line 1).
	Line                int
	CN, O, OU, L, ST, C string
	DNS, IP, Email, URI []string
	Profile, Validity   string
}

// ManifestError is a row of a manifest that cannot be used: it does not
// parse as CSV, or a cell does not parse. Err wraps ErrUsage. The reader goes
// on with the next row.
type ManifestError struct {
	Line int
	CN   string // "" when the row did not parse far enough to have one
	Err  error
}

func (e *ManifestError) Error() string {
	return fmt.Sprintf("manifest line %d: %v", e.Line, e.Err)
}

func (e *ManifestError) Unwrap() error { return e.Err }

// ManifestReader reads a manifest one row at a time, so a manifest of any
// length is never held in memory: a CSV file (RFC 4180, as encoding/csv
// reads it) whose first row names its columns from ManifestColumns.
type ManifestReader struct {
	r    *csv.Reader
	cols []string // column name of each field, by position
}

// NewManifestReader reads the header of the manifest in r. It returns an
// error wrapping ErrUsage for an empty manifest, a column not in
// ManifestColumns (naming it), a column named twice, or a header without
// the cn column.
func NewManifestReader(r io.Reader) (*ManifestReader, error) {
	// A byte order mark from a spreadsheet goes before the CSV reader sees
	// it: before a quoted header it would be a bare quote.
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\uFEFF" {
		br.Discard(3)
	}
	cr := csv.NewReader(&lineLimit{r: br, max: MaxManifestLine})
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: manifest is empty; its first row names the columns (%s)", ErrUsage, strings.Join(ManifestColumns, ","))
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, fmt.Errorf("%w: manifest line %d: %v", ErrUsage, pe.StartLine, pe.Err)
	}
	if err != nil {
		return nil, fmt.Errorf("ca: read manifest: %w", err)
	}
	m := &ManifestReader{r: cr, cols: make([]string, len(header))}
	seen := map[string]bool{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if !knownColumn(name) {
			return nil, fmt.Errorf("%w: manifest line 1: unknown column %q (the columns are %s)", ErrUsage, h, strings.Join(ManifestColumns, ","))
		}
		if seen[name] {
			return nil, fmt.Errorf("%w: manifest line 1: column %q is named twice", ErrUsage, name)
		}
		seen[name] = true
		m.cols[i] = name
	}
	if !seen["cn"] {
		return nil, fmt.Errorf("%w: manifest line 1: no cn column (the first row names the columns: %s)", ErrUsage, strings.Join(ManifestColumns, ","))
	}
	return m, nil
}

// MaxManifestLine bounds one line of a manifest: it is streamed, and an
// endless line (/dev/zero) must not fill memory.
const MaxManifestLine = 1 << 20

// lineLimit fails a read once a line runs over max bytes.
type lineLimit struct {
	r        io.Reader
	max, run int
}

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		if c == '\n' {
			l.run = 0
			continue
		}
		if l.run++; l.run > l.max {
			return i, fmt.Errorf("%w: a manifest line is over %d bytes", ErrUsage, l.max)
		}
	}
	return n, err
}

func knownColumn(name string) bool {
	for _, c := range ManifestColumns {
		if c == name {
			return true
		}
	}
	return false
}

// Next returns the next row, or io.EOF after the last. A row that does not
// parse as CSV or has the wrong number of cells returns a *ManifestError and
// the reader goes on with the next row; any other error (reading r) ends
// the manifest. Blank lines are skipped.
func (m *ManifestReader) Next() (*ManifestRow, error) {
	rec, err := m.r.Read()
	if err == io.EOF {
		return nil, io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		e := &ManifestError{Line: pe.StartLine, Err: fmt.Errorf("%w: %v", ErrUsage, pe.Err)}
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			e.Err = fmt.Errorf("%w: %d cells, the header names %d columns", ErrUsage, len(rec), len(m.cols))
			if len(rec) > 0 && m.cols[0] == "cn" {
				e.CN = strings.TrimSpace(rec[0])
			}
		}
		return nil, e
	}
	if err != nil {
		return nil, fmt.Errorf("ca: read manifest: %w", err)
	}
	line, _ := m.r.FieldPos(0)
	row := &ManifestRow{Line: line}
	for i, cell := range rec {
		cell = strings.TrimSpace(cell)
		switch m.cols[i] {
		case "cn":
			row.CN = cell
		case "dns":
			row.DNS = splitList(cell)
		case "ip":
			row.IP = splitList(cell)
		case "email":
			row.Email = splitList(cell)
		case "uri":
			row.URI = splitList(cell)
		case "profile":
			row.Profile = cell
		case "validity":
			row.Validity = cell
		case "o":
			row.O = cell
		case "ou":
			row.OU = cell
		case "l":
			row.L = cell
		case "st":
			row.ST = cell
		case "c":
			row.C = cell
		}
	}
	if err := row.checkDN(); err != nil {
		return nil, &ManifestError{Line: line, CN: row.CN, Err: err}
	}
	return row, nil
}

// checkDN refuses a row whose DN cells hold control characters (ErrUsage):
// they would reach the certificate, its file names and the terminal.
func (row *ManifestRow) checkDN() error {
	for _, c := range []struct{ col, v string }{
		{"cn", row.CN}, {"o", row.O}, {"ou", row.OU}, {"l", row.L}, {"st", row.ST}, {"c", row.C},
	} {
		if p := csr.DNValueProblem(c.v); p != "" {
			return fmt.Errorf("%w: the %s cell %q %s", ErrUsage, c.col, c.v, p)
		}
	}
	return nil
}

// splitList splits a list cell at ";", trimming each name and dropping
// empty ones; an empty cell is nil.
func splitList(cell string) []string {
	if cell == "" {
		return nil
	}
	var out []string
	for _, s := range strings.Split(cell, ManifestListSeparator) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// KeyRequest turns the row into a KeyRequest, with def's KeyType, Profile
// and Validity where the row gives none. A cell that does not parse (an IP
// address, a URI, a profile, a validity) returns a *ManifestError wrapping
// ErrUsage (csr.ErrBadDuration for a validity) and naming the column; an
// empty cn too. Whether the names are acceptable is for the policy to say.
func (r *ManifestRow) KeyRequest(def KeyRequest) (KeyRequest, error) {
	fail := func(err error) (KeyRequest, error) {
		return KeyRequest{}, &ManifestError{Line: r.Line, CN: r.CN, Err: err}
	}
	if r.CN == "" {
		return fail(fmt.Errorf("%w: column cn is empty; every row needs a common name", ErrUsage))
	}
	req := KeyRequest{
		Subject:        pkix.Name{CommonName: r.CN},
		DNSNames:       r.DNS,
		EmailAddresses: r.Email,
		KeyType:        def.KeyType,
		Profile:        def.Profile,
		Validity:       def.Validity,
		KDFCost:        def.KDFCost,
	}
	set := func(dst *[]string, v string) {
		if v != "" {
			*dst = []string{v}
		}
	}
	set(&req.Subject.Organization, r.O)
	set(&req.Subject.OrganizationalUnit, r.OU)
	set(&req.Subject.Locality, r.L)
	set(&req.Subject.Province, r.ST)
	set(&req.Subject.Country, r.C)
	for _, s := range r.IP {
		ip := net.ParseIP(s)
		if ip == nil {
			return fail(fmt.Errorf("%w: column ip: %q is not an IP address", ErrUsage, s))
		}
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		req.IPAddresses = append(req.IPAddresses, ip)
	}
	for _, s := range r.URI {
		u, err := url.Parse(s)
		if err != nil || u.Scheme == "" {
			return fail(fmt.Errorf("%w: column uri: %q is not an absolute URI", ErrUsage, s))
		}
		req.URIs = append(req.URIs, u)
	}
	if r.Profile != "" {
		p, err := LookupProfile(r.Profile)
		if err != nil {
			return fail(fmt.Errorf("column profile: %w", err))
		}
		req.Profile = p
	}
	if r.Validity != "" {
		d, err := csr.ParseDuration(r.Validity)
		if err != nil {
			return fail(fmt.Errorf("column validity: %w", err))
		}
		req.Validity = d
	}
	return req, nil
}
