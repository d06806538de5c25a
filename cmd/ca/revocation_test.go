package main

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/store"
)

func init() {
	// mkleaf [-issuer NAME] [-validity D] [-profile P] CN OUT VAR: issues a
	// leaf from the home ($CA_HOME, unencrypted issuer keys) through pkg/ca,
	// at $CA_TEST_NOW when set, writes its PEM to OUT and its serial to $VAR.
	// The revocation scripts use it so that they do not depend on ca issue.
	scriptCmds["mkleaf"] = func(ts *testscript.TestScript, neg bool, args []string) {
		fs := flag.NewFlagSet("mkleaf", flag.ContinueOnError)
		issuer := fs.String("issuer", "", "")
		validity := fs.String("validity", "90d", "")
		profile := fs.String("profile", "server", "")
		ts.Check(fs.Parse(args))
		if neg || fs.NArg() != 3 {
			ts.Fatalf("usage: mkleaf [-issuer NAME] [-validity D] [-profile P] CN OUT VAR")
		}
		serial, err := issueTestLeaf(ts.Getenv("CA_HOME"), ts.Getenv("CA_TEST_NOW"), *issuer, *profile, *validity, fs.Arg(0), ts.MkAbs(fs.Arg(1)))
		ts.Check(err)
		ts.Setenv(fs.Arg(2), serial)
	}
	// colonize SERIAL VAR: sets VAR to SERIAL in upper case with colons, as
	// openssl prints serials.
	scriptCmds["colonize"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: colonize SERIAL VAR")
		}
		h := strings.ToUpper(args[0])
		var parts []string
		for i := 0; i < len(h); i += 2 {
			parts = append(parts, h[i:min(i+2, len(h))])
		}
		ts.Setenv(args[1], strings.Join(parts, ":"))
	}
	// crlcheck FILE ISSUER-CERT NUMBER SERIAL...: the CRL in FILE (PEM or
	// DER) is signed by ISSUER-CERT, has CRL number NUMBER and lists exactly
	// SERIAL... in serial order ("-" for none).
	scriptCmds["crlcheck"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 4 {
			ts.Fatalf("usage: crlcheck FILE ISSUER-CERT NUMBER SERIAL...|-")
		}
		list := parseTestCRL(ts, args[0])
		issuer := readTestCert(ts, args[1])
		ts.Check(list.CheckSignatureFrom(issuer))
		if list.Number.String() != args[2] {
			ts.Fatalf("CRL number %s, want %s", list.Number, args[2])
		}
		var got []string
		for _, e := range list.RevokedCertificateEntries {
			got = append(got, ca.FormatSerial(e.SerialNumber))
		}
		if !sort.SliceIsSorted(list.RevokedCertificateEntries, func(i, j int) bool {
			return list.RevokedCertificateEntries[i].SerialNumber.Cmp(list.RevokedCertificateEntries[j].SerialNumber) < 0
		}) {
			ts.Fatalf("entries not in serial order: %v", got)
		}
		want := args[3:]
		if len(want) == 1 && want[0] == "-" {
			want = nil
		}
		for i := range want {
			s, err := ca.ParseSerial(want[i])
			ts.Check(err)
			want[i] = ca.FormatSerial(s)
		}
		sort.Strings(want)
		sorted := append([]string(nil), got...)
		sort.Strings(sorted)
		if strings.Join(sorted, " ") != strings.Join(want, " ") {
			ts.Fatalf("CRL lists %v, want %v", sorted, want)
		}
	}
	// crlnumbers FILE...: the CRLs in the files carry the numbers 1..N, each once.
	scriptCmds["crlnumbers"] = func(ts *testscript.TestScript, neg bool, args []string) {
		seen := map[string]bool{}
		for _, f := range args {
			n := parseTestCRL(ts, f).Number.String()
			if seen[n] {
				ts.Fatalf("CRL number %s twice", n)
			}
			seen[n] = true
		}
		for i := 1; i <= len(args); i++ {
			if !seen[strconv.Itoa(i)] {
				ts.Fatalf("no CRL has number %d: %v", i, seen)
			}
		}
	}
	// crlreason FILE SERIAL REASON: the entry of SERIAL has reason code REASON
	// (a name; "unspecified" means no reasonCode extension at all).
	scriptCmds["crlreason"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 3 {
			ts.Fatalf("usage: crlreason FILE SERIAL REASON")
		}
		list := parseTestCRL(ts, args[0])
		s, err := ca.ParseSerial(args[1])
		ts.Check(err)
		want, err := ca.ParseReason(args[2])
		ts.Check(err)
		for _, e := range list.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(s) != 0 {
				continue
			}
			hasExt := false
			for _, x := range e.Extensions {
				hasExt = hasExt || x.Id.Equal([]int{2, 5, 29, 21})
			}
			if e.ReasonCode != int(want) || (want == ca.ReasonUnspecified) == hasExt {
				ts.Fatalf("entry %s: reason %d (extension present: %v), want %s", args[1], e.ReasonCode, hasExt, args[2])
			}
			return
		}
		ts.Fatalf("no entry for %s", args[1])
	}
}

// heldStores are the stores lockstore holds, per script.
var heldStores sync.Map // *testscript.TestScript -> *store.Bolt

func init() {
	// lockstore: holds the home's store open for writing (bbolt's exclusive
	// file lock) from the test process until unlockstore or the script ends,
	// as another ca process would.
	scriptCmds["lockstore"] = func(ts *testscript.TestScript, neg bool, args []string) {
		st, err := store.Open(filepath.Join(ts.Getenv("CA_HOME"), "ca.db"), store.Options{Timeout: 5 * time.Second})
		ts.Check(err)
		heldStores.Store(ts, st)
		ts.Defer(func() { st.Close() })
	}
	scriptCmds["unlockstore"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if st, ok := heldStores.LoadAndDelete(ts); ok {
			ts.Check(st.(*store.Bolt).Close())
		}
	}
}

func init() {
	// mkrecords N: records N certificates signed by the root straight in the
	// store (one transaction, no files), to give list and crl export volume.
	scriptCmds["mkrecords"] = func(ts *testscript.TestScript, neg bool, args []string) {
		n, err := strconv.Atoi(args[0])
		ts.Check(err)
		iss, st, err := openTestIssuer(ts.Getenv("CA_HOME"), "", "root", store.Options{NoSync: true})
		ts.Check(err)
		defer st.Close()
		leafKey, err := pem.GenerateKey(pem.ECDSAP256)
		ts.Check(err)
		recs := make([]*ca.CertRecord, n)
		for i := range recs {
			name := fmt.Sprintf("bulk%d.example.com", i)
			issued, err := iss.SignLeaf(ca.Leaf{Subject: pkix.Name{CommonName: name}, DNSNames: []string{name}, PublicKey: leafKey.Public(),
				Profile: ca.ProfileDevice, Validity: 24 * time.Hour})
			ts.Check(err)
			recs[i] = issued.Record
		}
		_, err = st.AddCertificates(context.Background(), recs)
		ts.Check(err)
	}
	// jsonlen N: the last stdout is a JSON array of N elements.
	scriptCmds["jsonlen"] = func(ts *testscript.TestScript, neg bool, args []string) {
		var v []json.RawMessage
		ts.Check(json.Unmarshal([]byte(ts.ReadFile("stdout")), &v))
		if strconv.Itoa(len(v)) != args[0] {
			ts.Fatalf("%d elements, want %s", len(v), args[0])
		}
	}
}

func parseTestCRL(ts *testscript.TestScript, file string) *x509.RevocationList {
	data, err := os.ReadFile(ts.MkAbs(file))
	ts.Check(err)
	der, _, err := pem.Decode(data, 256<<20, pem.TypeCRL)
	ts.Check(err)
	list, err := x509.ParseRevocationList(der)
	ts.Check(err)
	return list
}

func readTestCert(ts *testscript.TestScript, file string) *x509.Certificate {
	data, err := os.ReadFile(ts.MkAbs(file))
	ts.Check(err)
	c, err := ca.ParseCertificateFile(file, data)
	ts.Check(err)
	return c
}

// issueTestLeaf signs and records one leaf with the home's issuer.
func issueTestLeaf(home, now, issuerName, profile, validity, cn, out string) (string, error) {
	iss, st, err := openTestIssuer(home, now, issuerName, store.Options{})
	if err != nil {
		return "", err
	}
	defer st.Close()
	p, err := ca.LookupProfile(profile)
	if err != nil {
		return "", err
	}
	d, err := csr.ParseDuration(validity)
	if err != nil {
		return "", err
	}
	leafKey, err := pem.GenerateKey(pem.KeyType("ecdsa-p256"))
	if err != nil {
		return "", err
	}
	issued, err := iss.IssueLeaf(context.Background(), ca.Leaf{Subject: pkix.Name{CommonName: cn}, PublicKey: leafKey.Public(), DNSNames: []string{cn}, Profile: p, Validity: d})
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(out, pem.Encode(pem.TypeCertificate, issued.Cert.Raw), 0o644); err != nil {
		return "", err
	}
	return ca.FormatSerial(issued.Cert.SerialNumber), nil
}

// openTestIssuer opens the store of home (with opts) and the issuer named
// (or the default one) with its unencrypted key, at now (RFC 3339) when set.
func openTestIssuer(home, now, issuerName string, opts store.Options) (*ca.Issuer, *store.Bolt, error) {
	clock := time.Now
	if now != "" {
		t, err := time.Parse(time.RFC3339, now)
		if err != nil {
			return nil, nil, err
		}
		clock = func() time.Time { return t }
	}
	opts.Timeout, opts.Actor = 5*time.Second, ca.Actor{Command: "mkleaf"}
	st, err := store.Open(filepath.Join(home, "ca.db"), opts)
	if err != nil {
		return nil, nil, err
	}
	iss, err := func() (*ca.Issuer, error) {
		set, err := ca.LoadHierarchy(context.Background(), st)
		if err != nil {
			return nil, err
		}
		rec, err := set.Resolve(issuerName)
		if err != nil {
			return nil, err
		}
		keyPEM, err := pem.ReadKeyFile(filepath.Join(home, "issuers", rec.Name, "key.pem"))
		if err != nil {
			return nil, err
		}
		key, err := pem.ParsePrivateKey(keyPEM, nil)
		if err != nil {
			return nil, err
		}
		return ca.NewIssuer(ca.IssuerConfig{Name: rec.Name, Cert: set.Certificate(rec.Name), Chain: set.Parents(rec.Name), Signer: key, Store: st, Now: clock})
	}()
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return iss, st, nil
}

// listJSONFields are the fields SPEC.md promises in ca list -o json.
var listJSONFields = []string{"serial", "issuer", "subject", "sans", "notBefore", "notAfter", "status", "revokedAt", "reason", "profile"}

func init() {
	// listjson STATUS...: the last stdout is a JSON array of objects (decoded
	// with encoding/json), each with every field of listJSONFields, and their statuses are STATUS... (sorted).
	scriptCmds["listjson"] = func(ts *testscript.TestScript, neg bool, args []string) {
		var rows []map[string]json.RawMessage
		ts.Check(json.Unmarshal([]byte(ts.ReadFile("stdout")), &rows))
		if rows == nil {
			ts.Fatalf("not an array (or null)")
		}
		var statuses []string
		for _, r := range rows {
			for _, f := range listJSONFields {
				if _, ok := r[f]; !ok {
					ts.Fatalf("row %s has no field %q", r["serial"], f)
				}
			}
			var typed ca.ListEntry
			b, _ := json.Marshal(r)
			ts.Check(json.Unmarshal(b, &typed))
			if _, err := ca.ParseSerial(typed.Serial); err != nil || typed.Serial != strings.ToLower(typed.Serial) {
				ts.Fatalf("serial %q is not lower-case hex", typed.Serial)
			}
			if (typed.Status == ca.StatusRevoked) != (typed.RevokedAt != nil && typed.Reason != nil) {
				ts.Fatalf("row %s: status %s but revokedAt %v reason %v", typed.Serial, typed.Status, typed.RevokedAt, typed.Reason)
			}
			if typed.NotAfter.IsZero() || typed.NotBefore.IsZero() || typed.SANs == nil {
				ts.Fatalf("row %s: missing times or sans", typed.Serial)
			}
			statuses = append(statuses, typed.Status)
		}
		sort.Strings(statuses)
		if got, want := strings.Join(statuses, " "), strings.Join(args, " "); got != want {
			ts.Fatalf("statuses %q, want %q", got, want)
		}
	}
}
