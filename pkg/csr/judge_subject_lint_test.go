package csr

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/internal/linttest"
)

// emailDCPolicy is the spec's policy with emailAddress and domainComponent
// (by OID) optional.
var emailDCPolicy = policyWith(`"ST": "optional"`, `"ST": "optional",
    "emailAddress": "optional",
    "0.9.2342.19200300.100.1.25": "optional"`)

func TestJudgeSubjectEmailAndDC(t *testing.T) {
	email := func(s string) func(*testing.T, *Request, *Env) {
		return func(_ *testing.T, r *Request, _ *Env) { r.EmailAddresses = append(r.EmailAddresses, s) }
	}
	both := func(fs ...func(*testing.T, *Request, *Env)) func(*testing.T, *Request, *Env) {
		return func(t *testing.T, r *Request, env *Env) {
			for _, f := range fs {
				f(t, r, env)
			}
		}
	}
	subjEmail := addSubject(rdn(oidEmailAddress, "ops@example.com"))
	runJudgeCases(t, []judgeCase{
		{name: "subject email without email SAN", policy: emailDCPolicy, mutate: subjEmail, want: []string{"subject emailAddress/emailInSAN"}},
		{name: "subject email not among the SANs", policy: emailDCPolicy, mutate: both(subjEmail, email("dev@example.com")),
			want: []string{"subject emailAddress/emailInSAN"}},
		{name: "subject email differs in case", policy: emailDCPolicy, mutate: both(subjEmail, email("OPS@example.com")),
			want: []string{"subject emailAddress/emailInSAN"}},
		{name: "subject email among the SANs", policy: emailDCPolicy, mutate: both(subjEmail, email("dev@example.com"), email("ops@example.com"))},
		{name: "subject email non-ASCII", policy: emailDCPolicy, mutate: both(addSubject(rdn(oidEmailAddress, "jörg@example.com")), email("jörg@example.com")),
			want: []string{"subject emailAddress/ia5String", "san email/addrSpec"}},
		{name: "subject email dropped", policy: policyWith(`"unlisted": "reject"`, `"unlisted": "drop"`), mutate: subjEmail},
		{name: "subject email unlisted", mutate: subjEmail, want: []string{"subject emailAddress/unlisted"}},
		{name: "DC", policy: emailDCPolicy, mutate: addSubject(rdn(oidDomainComponent, "example"))},
		{name: "DC non-ASCII", policy: emailDCPolicy, mutate: addSubject(rdn(oidDomainComponent, "bücher")),
			want: []string{"subject 0.9.2342.19200300.100.1.25/ia5String"}},
	})
}

// TestSubjectIA5Strings: Subject gives emailAddress and domainComponent as
// IA5Strings, so a certificate made from it lints clean (zlint
// e_subject_rdns_correct_encoding for DC) and carries them as RFC 5280,
// Appendix A says (no lint checks emailAddress), with the values as asked.
func TestSubjectIA5Strings(t *testing.T) {
	p := mustPolicy(t, emailDCPolicy)
	r := baseRequest()
	r.Subject = append(r.Subject, rdn(oidDomainComponent, "example"), rdn(oidEmailAddress, "ops@example.com"))
	r.EmailAddresses = []string{"ops@example.com"}
	checkFailures(t, p.Judge(r, serverEnv()), nil)

	tmpl := &x509.Certificate{
		SerialNumber:   big.NewInt(2),
		Subject:        p.Subject(r),
		NotBefore:      time.Now().Add(-time.Minute),
		NotAfter:       time.Now().Add(time.Hour),
		DNSNames:       r.DNSNames,
		EmailAddresses: r.EmailAddresses,
		KeyUsage:       x509.KeyUsageDigitalSignature,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		SubjectKeyId:   []byte{1, 2, 3, 4},
		AuthorityKeyId: testIssuerCert().SubjectKeyId,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, testIssuerCert(), testP256().Public(), testIssuer())
	if err != nil {
		t.Fatal(err)
	}
	linttest.Certificate(t, der)
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}

	var rdns []asn1.RawValue
	if _, err := asn1.Unmarshal(c.RawSubject, &rdns); err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, set := range rdns {
		var atvs []struct {
			Type  asn1.ObjectIdentifier
			Value asn1.RawValue
		}
		if _, err := asn1.UnmarshalWithParams(set.FullBytes, &atvs, "set"); err != nil {
			t.Fatal(err)
		}
		for _, atv := range atvs {
			if !ia5Attr(atv.Type) {
				continue
			}
			if atv.Value.Class != asn1.ClassUniversal || atv.Value.Tag != asn1.TagIA5String {
				t.Errorf("%s encoded as class %d tag %d, want an IA5String", atv.Type, atv.Value.Class, atv.Value.Tag)
			}
			found[atv.Type.String()] = string(atv.Value.Bytes)
		}
	}
	if found[oidDomainComponent.String()] != "example" || found[oidEmailAddress.String()] != "ops@example.com" {
		t.Errorf("IA5String values %q", found)
	}
	for _, atv := range c.Subject.Names {
		if ia5Attr(atv.Type) && atv.Value != found[atv.Type.String()] {
			t.Errorf("%s parsed as %q", atv.Type, atv.Value)
		}
	}
}
