// Package linttest judges certificates and CRLs with zlint in tests: the
// sources RFC 5280, RFC 3279, RFC 5480, RFC 8813, RFC 5891 and Community,
// and the Baseline Requirements lints SPEC.md names. Only tests import it.
package linttest

import (
	"encoding/pem"
	"fmt"
	"os"
	"sort"
	"testing"

	zx509 "github.com/zmap/zcrypto/x509"
	"github.com/zmap/zlint/v3"
	"github.com/zmap/zlint/v3/lint"
)

// BRLints are the Baseline Requirements lints every certificate must pass.
var BRLints = []string{
	"e_rsa_mod_less_than_2048_bits", "e_rsa_public_exponent_too_small", "e_ec_improper_curves",
	"e_dnsname_wildcard_only_in_left_label", "e_dnsname_bad_character_in_label",
	"e_sub_cert_key_usage_cert_sign_bit_set", "e_sub_cert_eku_check", "e_subject_country_not_iso",
	"e_subject_rdns_correct_encoding", "e_ca_key_usage_missing",
}

var registries = func() []lint.Registry {
	bySource, err := lint.GlobalRegistry().Filter(lint.FilterOptions{IncludeSources: lint.SourceList{
		lint.RFC5280, lint.RFC3279, lint.RFC5480, lint.RFC8813, lint.RFC5891, lint.Community,
	}})
	if err != nil {
		panic(err)
	}
	byName, err := lint.GlobalRegistry().Filter(lint.FilterOptions{IncludeNames: BRLints})
	if err != nil {
		panic(err)
	}
	return []lint.Registry{bySource, byName}
}()

func failures(results map[string]*lint.LintResult) []string {
	var out []string
	for name, r := range results {
		if r.Status == lint.Error || r.Status == lint.Fatal {
			out = append(out, fmt.Sprintf("%s: %s %s", name, r.Status, r.Details))
		}
	}
	sort.Strings(out)
	return out
}

// CheckCertificate returns the lints with an error or fatal result on der.
func CheckCertificate(der []byte) ([]string, error) {
	c, err := zx509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("zcrypto cannot parse the certificate: %w", err)
	}
	var out []string
	for _, r := range registries {
		out = append(out, failures(zlint.LintCertificateEx(c, r).Results)...)
	}
	return out, nil
}

// CheckCRL returns the lints with an error or fatal result on der.
func CheckCRL(der []byte) ([]string, error) {
	c, err := zx509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("zcrypto cannot parse the CRL: %w", err)
	}
	var out []string
	for _, r := range registries {
		out = append(out, failures(zlint.LintRevocationListEx(c, r).Results)...)
	}
	return out, nil
}

// Certificate fails t when der does not lint clean.
func Certificate(t testing.TB, der []byte) {
	t.Helper()
	report(t, "certificate", der, CheckCertificate)
}

// CRL fails t when der does not lint clean.
func CRL(t testing.TB, der []byte) {
	t.Helper()
	report(t, "CRL", der, CheckCRL)
}

func report(t testing.TB, kind string, der []byte, check func([]byte) ([]string, error)) {
	t.Helper()
	problems, err := check(der)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("zlint on %s: %s", kind, p)
	}
}

// File lints every CERTIFICATE and X509 CRL block of a PEM file (or the DER
// certificate or CRL it holds) and returns the problems found; it is an
// error for the file to hold neither.
func File(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	n := 0
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		var problems []string
		switch b.Type {
		case "CERTIFICATE":
			problems, err = CheckCertificate(b.Bytes)
		case "X509 CRL":
			problems, err = CheckCRL(b.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, err
		}
		n++
		for _, p := range problems {
			out = append(out, fmt.Sprintf("%s block %d: %s", path, n, p))
		}
	}
	if n == 0 {
		if p, err := CheckCertificate(data); err == nil {
			return p, nil
		}
		if p, err := CheckCRL(data); err == nil {
			return p, nil
		}
		return nil, fmt.Errorf("%s holds no certificate or CRL", path)
	}
	return out, nil
}
