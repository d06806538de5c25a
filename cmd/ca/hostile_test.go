package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"sort"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	capem "github.com/ca-toolkit/ca/pkg/pem"
)

// hostilecsr KIND FILE [KEYFILE]: writes a hostile (or, for "good", "der"
// and "new-type", a good) CSR of the given kind to FILE. The base request is
// C=DE, O=Example, CN=www.example.com with the DNS SAN www.example.com and a
// fresh P-256 key, which the default policy of a root made with --org
// Example --country DE accepts as a server certificate; each kind changes
// one thing.
func init() {
	scriptCmds["hostilecsr"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 2 {
			ts.Fatalf("usage: hostilecsr KIND FILE [KEYFILE]; kinds: %s", strings.Join(hostileKinds(), ", "))
		}
		var keyFile string
		if len(args) > 2 {
			keyFile = ts.MkAbs(args[2])
		}
		data, err := hostileCSR(args[0], keyFile)
		ts.Check(err)
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), data, 0o644))
	}
}

var (
	oidCN      = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidC       = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidO       = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidSerialN = asn1.ObjectIdentifier{2, 5, 4, 5}
)

// csrSpec is a request to build: every field has the base value unless a kind changes it.
type csrSpec struct {
	subject pkix.RDNSequence
	dns     []string
	rawSAN  []byte // a hand-encoded SAN extension value instead of dns
	exts    []pkix.Extension
	key     crypto.Signer
}

func baseSpec() *csrSpec {
	return &csrSpec{
		subject: pkix.RDNSequence{
			{{Type: oidC, Value: "DE"}}, {{Type: oidO, Value: "Example"}}, {{Type: oidCN, Value: "www.example.com"}},
		},
		dns: []string{"www.example.com"},
	}
}

// hostileMods change the base request; what they return is the PEM to write
// (nil: the request's PEM).
var hostileMods = map[string]func(s *csrSpec) error{
	"good":             func(*csrSpec) error { return nil },
	"ca-true":          addExt(asn1.ObjectIdentifier{2, 5, 29, 19}, true, struct{ CA bool }{true}),
	"ca-false":         addExt(asn1.ObjectIdentifier{2, 5, 29, 19}, true, struct{}{}),
	"keycertsign":      addExt(asn1.ObjectIdentifier{2, 5, 29, 15}, true, asn1.BitString{Bytes: []byte{0x84}, BitLength: 6}),
	"eku-codesigning":  addExt(asn1.ObjectIdentifier{2, 5, 29, 37}, false, []asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 3}}),
	"eku-clientauth":   addExt(asn1.ObjectIdentifier{2, 5, 29, 37}, false, []asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 2}}),
	"nameconstraints":  addExt(asn1.ObjectIdentifier{2, 5, 29, 30}, true, asn1.RawValue{FullBytes: []byte{0x30, 0x00}}),
	"crldp":            addExt(asn1.ObjectIdentifier{2, 5, 29, 31}, false, asn1.RawValue{FullBytes: []byte{0x30, 0x00}}),
	"aia":              addExt(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}, false, asn1.RawValue{FullBytes: []byte{0x30, 0x00}}),
	"mustStaple":       addExt(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 24}, false, []int{5}),
	"unknown-critical": addExt(asn1.ObjectIdentifier{1, 2, 3, 4, 5}, true, asn1.RawValue{FullBytes: []byte{0x05, 0x00}}),
	"unknown":          addExt(asn1.ObjectIdentifier{1, 2, 3, 4, 5}, false, asn1.RawValue{FullBytes: []byte{0x05, 0x00}}),
	"dup-ext":          dupExt,
	"dns-underscore":   addDNS("a_b.example.com"),
	"dns-trailing-dot": addDNS("web.example.com."),
	"dns-empty-label":  addDNS("a..example.com"),
	"dns-nul":          addDNS("a\x00.example.com"),
	"dns-ulabel":       rawDNS("www.example.com", "bücher.example.com"),
	"wildcard-tld":     addDNS("*.com"),
	"wildcard-middle":  addDNS("a.*.example.com"),
	"wildcard-partial": addDNS("w*.example.com"),
	"cn-not-san":       func(s *csrSpec) error { s.dns = []string{"other.example.com"}; return nil },
	"two-cn": func(s *csrSpec) error {
		s.subject = append(s.subject, pkix.RelativeDistinguishedNameSET{{Type: oidCN, Value: "b.example.com"}})
		return nil
	},
	"country-lower": setAttr(oidC, "de"),
	"cn-long":       cnLong,
	"unlisted": func(s *csrSpec) error {
		s.subject = append(s.subject, pkix.RelativeDistinguishedNameSET{{Type: oidSerialN, Value: "42"}})
		return nil
	},
	"many-sans": manySANs,
	"rsa1024":   withKey(func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 1024) }),
	"rsa-e3":    withKey(rsaE3),
	"p521":      withKey(func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P521(), rand.Reader) }),
	"p224":      withKey(func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P224(), rand.Reader) }),
}

// hostileFrames reframe a good request.
var hostileFrames = map[string]func(der []byte) []byte{
	"der":          func(der []byte) []byte { return der },
	"der-trailing": func(der []byte) []byte { return append(der, 0, 0) },
	"new-type":     func(der []byte) []byte { return pemBlock("NEW CERTIFICATE REQUEST", der, nil) },
	"wrong-type":   func(der []byte) []byte { return pemBlock("CERTIFICATE", der, nil) },
	"two-blocks": func(der []byte) []byte {
		return append(pemBlock("CERTIFICATE REQUEST", der, nil), pemBlock("CERTIFICATE REQUEST", der, nil)...)
	},
	"headers": func(der []byte) []byte {
		return pemBlock("CERTIFICATE REQUEST", der, map[string]string{"Proc-Type": "4,ENCRYPTED"})
	},
	"truncated": func(der []byte) []byte {
		p := pemBlock("CERTIFICATE REQUEST", der, nil)
		return p[:len(p)/2]
	},
	"text-around": func(der []byte) []byte {
		return append(append([]byte("Subject: www.example.com\n"), pemBlock("CERTIFICATE REQUEST", der, nil)...), "trailing words\n"...)
	},
	"badsig": func(der []byte) []byte {
		var c struct {
			TBS asn1.RawValue
			Alg pkix.AlgorithmIdentifier
			Sig asn1.BitString
		}
		if _, err := asn1.Unmarshal(der, &c); err != nil {
			panic(err)
		}
		c.Sig.Bytes[len(c.Sig.Bytes)-1] ^= 0x01
		out, err := asn1.Marshal(c)
		if err != nil {
			panic(err)
		}
		return pemBlock("CERTIFICATE REQUEST", out, nil)
	},
	"big": func(der []byte) []byte {
		p := pemBlock("CERTIFICATE REQUEST", der, nil)
		return append(p, bytes.Repeat([]byte("# padding\n"), capem.MaxSize/10+1)...)
	},
	"garbage": func([]byte) []byte {
		b := make([]byte, 700)
		rand.Read(b)
		b[0] = 0x04 // not a SEQUENCE
		return b
	},
}

func hostileKinds() []string {
	var out []string
	for k := range hostileMods {
		out = append(out, k)
	}
	for k := range hostileFrames {
		out = append(out, k)
	}
	out = append(out, "sha1", "issuer-key")
	sort.Strings(out)
	return out
}

func hostileCSR(kind, keyFile string) ([]byte, error) {
	s := baseSpec()
	if kind == "issuer-key" {
		data, err := os.ReadFile(keyFile)
		if err != nil {
			return nil, err
		}
		if s.key, err = capem.ParsePrivateKey(data, nil); err != nil {
			return nil, err
		}
		kind = "good"
	}
	if kind == "sha1" {
		return sha1CSR(s)
	}
	if frame, ok := hostileFrames[kind]; ok {
		der, err := s.build()
		if err != nil {
			return nil, err
		}
		return frame(der), nil
	}
	mod, ok := hostileMods[kind]
	if !ok {
		return nil, fmt.Errorf("unknown kind %q; kinds: %s", kind, strings.Join(hostileKinds(), ", "))
	}
	if err := mod(s); err != nil {
		return nil, err
	}
	der, err := s.build()
	if err != nil {
		return nil, err
	}
	return pemBlock("CERTIFICATE REQUEST", der, nil), nil
}

func (s *csrSpec) build() ([]byte, error) {
	if s.key == nil {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		s.key = k
	}
	subj, err := asn1.Marshal(s.subject)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.CertificateRequest{RawSubject: subj}
	exts := s.exts
	switch {
	case s.rawSAN != nil:
		exts = append([]pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 17}, Value: s.rawSAN}}, exts...)
	case len(s.dns) > 0:
		san, err := marshalDNS(s.dns)
		if err != nil {
			return nil, err
		}
		exts = append([]pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 17}, Value: san}}, exts...)
	}
	tmpl.ExtraExtensions = exts
	if _, ok := s.key.Public().(*ecdsa.PublicKey); ok {
		tmpl.SignatureAlgorithm = x509.ECDSAWithSHA256
	}
	return x509.CreateCertificateRequest(rand.Reader, tmpl, s.key)
}

// marshalDNS encodes dNSName SANs byte for byte, NULs and all.
func marshalDNS(names []string) ([]byte, error) {
	raw := make([]asn1.RawValue, len(names))
	for i, n := range names {
		raw[i] = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 2, Bytes: []byte(n)}
	}
	return asn1.Marshal(raw)
}

func pemBlock(typ string, der []byte, headers map[string]string) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Headers: headers, Bytes: der})
}

func addExt(oid asn1.ObjectIdentifier, critical bool, v any) func(*csrSpec) error {
	return func(s *csrSpec) error {
		der, err := asn1.Marshal(v)
		if err != nil {
			return err
		}
		s.exts = append(s.exts, pkix.Extension{Id: oid, Critical: critical, Value: der})
		return nil
	}
}

func dupExt(s *csrSpec) error {
	san, err := marshalDNS(s.dns)
	if err != nil {
		return err
	}
	s.exts = append(s.exts, pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 17}, Value: san})
	return nil
}

func addDNS(name string) func(*csrSpec) error {
	return func(s *csrSpec) error { s.dns = append(s.dns, name); return nil }
}

func rawDNS(names ...string) func(*csrSpec) error {
	return func(s *csrSpec) error {
		san, err := marshalDNS(names)
		s.rawSAN = san
		return err
	}
}

func setAttr(oid asn1.ObjectIdentifier, v string) func(*csrSpec) error {
	return func(s *csrSpec) error {
		for _, rdn := range s.subject {
			for i := range rdn {
				if rdn[i].Type.Equal(oid) {
					rdn[i].Value = v
				}
			}
		}
		return nil
	}
}

func cnLong(s *csrSpec) error {
	cn := strings.Repeat("a", 30) + "." + strings.Repeat("b", 22) + ".example.com" // 65 characters
	s.dns = []string{cn}
	return setAttr(oidCN, cn)(s)
}

func manySANs(s *csrSpec) error {
	for i := 0; i < 100; i++ {
		s.dns = append(s.dns, fmt.Sprintf("h%d.example.com", i))
	}
	return nil
}

func withKey(gen func() (crypto.Signer, error)) func(*csrSpec) error {
	return func(s *csrSpec) error {
		k, err := gen()
		s.key = k
		return err
	}
}

// rsaE3 makes a 2048-bit RSA key with public exponent 3, which crypto/rsa
// will not generate.
func rsaE3() (crypto.Signer, error) {
	e := big.NewInt(3)
	one := big.NewInt(1)
	for {
		p, err := rand.Prime(rand.Reader, 1024)
		if err != nil {
			return nil, err
		}
		q, err := rand.Prime(rand.Reader, 1024)
		if err != nil {
			return nil, err
		}
		pm, qm := new(big.Int).Sub(p, one), new(big.Int).Sub(q, one)
		phi := new(big.Int).Mul(pm, qm)
		d := new(big.Int).ModInverse(e, phi)
		n := new(big.Int).Mul(p, q)
		if d == nil || p.Cmp(q) == 0 || n.BitLen() != 2048 {
			continue
		}
		k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: 3}, D: d, Primes: []*big.Int{p, q}}
		k.Precompute()
		return k, nil
	}
}

// sha1CSR signs the base request with ECDSA and SHA-1, which crypto/x509
// will not do.
func sha1CSR(s *csrSpec) ([]byte, error) {
	der, err := s.build()
	if err != nil {
		return nil, err
	}
	c, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, err
	}
	h := sha1.Sum(c.RawTBSCertificateRequest)
	sig, err := ecdsa.SignASN1(rand.Reader, s.key.(*ecdsa.PrivateKey), h[:])
	if err != nil {
		return nil, err
	}
	out, err := asn1.Marshal(struct {
		TBS asn1.RawValue
		Alg pkix.AlgorithmIdentifier
		Sig asn1.BitString
	}{asn1.RawValue{FullBytes: c.RawTBSCertificateRequest},
		pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}},
		asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		return nil, err
	}
	return pemBlock("CERTIFICATE REQUEST", out, nil), nil
}
