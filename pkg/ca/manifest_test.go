package ca

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/pkg/csr"
)

func TestManifestHeader(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"all columns", "cn,dns,ip,email,uri,profile,validity,o,ou,l,st,c\n", ""},
		{"case and spaces", " CN , DNS\n", ""},
		{"byte order mark", "\uFEFFcn,dns\n", ""},
		{"byte order mark, quoted header", "\uFEFF\"cn\",\"dns\"\r\n\"a.example.com\",\"a.example.com\"\r\n", ""},
		{"a byte order mark only first", "cn,\uFEFFdns\n", "unknown column"},
		{"unknown column", "cn,serial\n", `unknown column "serial"`},
		{"twice", "cn,dns,DNS\n", `column "dns" is named twice`},
		{"no cn", "dns,ip\n", "no cn column"},
		{"empty", "", "manifest is empty"},
		{"bad quotes", "cn,\"dns\n", "manifest line 1"},
		{"endless line", strings.Repeat("x", MaxManifestLine+1), "a manifest line is over"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewManifestReader(strings.NewReader(tt.in))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if !errors.Is(err, ErrUsage) {
				t.Errorf("err = %v, want ErrUsage", err)
			}
		})
	}
}

func TestManifestRows(t *testing.T) {
	in := "cn,dns,ip,profile,validity,o\n" +
		"a.example.com, a.example.com ; b.example.com ;,10.0.0.1;::1,device,30d,Example\n" +
		"\n" + // blank lines are skipped
		"b.example.com,,,,,\n" +
		"short,row\n" +
		"\"multi\nline\",x.example.com,,,,\n" +
		"bad\"quote,,,,,\n" +
		"c.example.com,,,,,\n"
	m, err := NewManifestReader(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		line int
		cn   string
		dns  []string
		ip   []string
		err  string
	}
	var got []result
	for {
		row, err := m.Next()
		if err == io.EOF {
			break
		}
		var me *ManifestError
		if errors.As(err, &me) {
			got = append(got, result{line: me.Line, cn: me.CN, err: me.Err.Error()})
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, result{line: row.Line, cn: row.CN, dns: row.DNS, ip: row.IP})
	}
	want := []result{
		{line: 2, cn: "a.example.com", dns: []string{"a.example.com", "b.example.com"}, ip: []string{"10.0.0.1", "::1"}},
		{line: 4, cn: "b.example.com"},
		{line: 5, cn: "short", err: "ca: bad input: 2 cells, the header names 6 columns"},
		{line: 6, cn: "multi\nline", err: `ca: bad input: the cn cell "multi\nline" contains a control character`},
		{line: 8, err: `ca: bad input: bare " in non-quoted-field`},
		{line: 9, cn: "c.example.com"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows:\n got %+v\nwant %+v", got, want)
	}
}

func TestManifestKeyRequest(t *testing.T) {
	def := KeyRequest{Profile: ProfileServer, Validity: DefaultValidity}
	tests := []struct {
		name    string
		row     ManifestRow
		check   func(t *testing.T, r KeyRequest)
		wantErr error
	}{
		{name: "defaults", row: ManifestRow{CN: "a", DNS: []string{"a"}}, check: func(t *testing.T, r KeyRequest) {
			if r.Profile != ProfileServer || r.Validity != DefaultValidity || r.Subject.CommonName != "a" {
				t.Errorf("got %+v", r)
			}
		}},
		{name: "row values", row: ManifestRow{CN: "a", IP: []string{"10.0.0.1"}, URI: []string{"spiffe://example.com/a"},
			Profile: "device", Validity: "30d", O: "Example", OU: "Devices", L: "Berlin", ST: "Berlin", C: "DE"},
			check: func(t *testing.T, r KeyRequest) {
				if r.Profile != ProfileDevice || r.Validity != 30*24*60*60*1e9 || len(r.IPAddresses[0]) != 4 ||
					r.URIs[0].Host != "example.com" || r.Subject.Country[0] != "DE" || r.Subject.OrganizationalUnit[0] != "Devices" {
					t.Errorf("got %+v", r)
				}
			}},
		{name: "no cn", row: ManifestRow{DNS: []string{"a"}}, wantErr: ErrUsage},
		{name: "bad ip", row: ManifestRow{CN: "a", IP: []string{"10.0.0.300"}}, wantErr: ErrUsage},
		{name: "relative uri", row: ManifestRow{CN: "a", URI: []string{"example.com/a"}}, wantErr: ErrUsage},
		{name: "bad profile", row: ManifestRow{CN: "a", Profile: "ca"}, wantErr: ErrUsage},
		{name: "bad validity", row: ManifestRow{CN: "a", Validity: "soon"}, wantErr: csr.ErrBadDuration},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.row.KeyRequest(def)
			if tt.wantErr != nil {
				var me *ManifestError
				if !errors.Is(err, tt.wantErr) || !errors.As(err, &me) {
					t.Fatalf("err = %v, want %v in a *ManifestError", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, r)
		})
	}
}

// FuzzManifest feeds arbitrary bytes to the manifest reader: it never
// panics, lines only go forward, list cells hold no empty or untrimmed
// names, and every row it accepts reads back the same once written out
// again as CSV.
func FuzzManifest(f *testing.F) {
	f.Add([]byte("cn,dns,ip,email,uri,profile,validity,o,ou,l,st,c\na.example.com,a.example.com;b.example.com,10.0.0.1,a@example.com,spiffe://x/y,device,30d,O,OU,L,ST,DE\n"))
	f.Add([]byte("cn\n\"a\nb\"\n\n\"c\"\"d\"\n"))
	f.Add([]byte("\uFEFFCN, DNS\nx, ; ;y\nshort\n"))
	f.Add([]byte("cn,ip\na,\"1.2.3.4;::1\"\nb,\"unterminated\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := NewManifestReader(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrUsage) {
				t.Fatalf("header error %v does not wrap ErrUsage", err)
			}
			return
		}
		last := 1
		for n := 0; n < 10000; n++ {
			row, err := m.Next()
			if err == io.EOF {
				return
			}
			var me *ManifestError
			if errors.As(err, &me) {
				if !errors.Is(err, ErrUsage) || me.Line <= last {
					t.Fatalf("row error %v (line %d after %d)", err, me.Line, last)
				}
				last = me.Line
				continue
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if row.Line <= last {
				t.Fatalf("row on line %d after line %d", row.Line, last)
			}
			last = row.Line
			for _, list := range [][]string{row.DNS, row.IP, row.Email, row.URI} {
				for _, s := range list {
					if s == "" || s != strings.TrimSpace(s) || strings.Contains(s, ManifestListSeparator) {
						t.Fatalf("list item %q", s)
					}
				}
			}
			if _, err := row.KeyRequest(KeyRequest{}); err != nil {
				var me *ManifestError
				if !errors.As(err, &me) || me.Line != row.Line {
					t.Fatalf("KeyRequest error %v is not a *ManifestError of line %d", err, row.Line)
				}
			}
			roundTrip(t, row)
		}
	})
}

// roundTrip writes row as a one-row manifest and reads it back.
func roundTrip(t *testing.T, row *ManifestRow) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(ManifestColumns)
	w.Write([]string{row.CN, strings.Join(row.DNS, ";"), strings.Join(row.IP, ";"), strings.Join(row.Email, ";"),
		strings.Join(row.URI, ";"), row.Profile, row.Validity, row.O, row.OU, row.L, row.ST, row.C})
	w.Flush()
	m, err := NewManifestReader(&buf)
	if err != nil {
		t.Fatalf("round trip header: %v", err)
	}
	back, err := m.Next()
	if row.CN == "" && row.DNS == nil && row.IP == nil && row.Email == nil && row.URI == nil &&
		row.Profile == "" && row.Validity == "" && row.O == "" && row.OU == "" && row.L == "" && row.ST == "" && row.C == "" {
		return // an all-empty row may be written as a blank line, which CSV skips
	}
	if err != nil {
		t.Fatalf("round trip of %+v: %v", row, err)
	}
	if strings.Contains(fmt.Sprint(*row), "\r") {
		return // encoding/csv turns a quoted "\r\n" into "\n": CR does not round-trip
	}
	back.Line = 0
	row2 := *row
	row2.Line = 0
	if !reflect.DeepEqual(*back, row2) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", *back, row2)
	}
}
