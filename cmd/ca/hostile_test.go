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
	hostileOIDCN     = asn1.ObjectIdentifier{2, 5, 4, 3}
	hostileOIDC      = asn1.ObjectIdentifier{2, 5, 4, 6}
	hostileOIDO      = asn1.ObjectIdentifier{2, 5, 4, 10}
	hostileOIDSerial = asn1.ObjectIdentifier{2, 5, 4, 5}
)

// hostileSpec is a request to build: every field has the base value unless a kind changes it.
type hostileSpec struct {
	subject pkix.RDNSequence
	dns     []string
	rawSAN  []byte // a hand-encoded SAN extension value instead of dns
	exts    []pkix.Extension
	key     crypto.Signer
}

func hostileBase() *hostileSpec {
	return &hostileSpec{
		subject: pkix.RDNSequence{
			{{Type: hostileOIDC, Value: "DE"}}, {{Type: hostileOIDO, Value: "Example"}}, {{Type: hostileOIDCN, Value: "www.example.com"}},
		},
		dns: []string{"www.example.com"},
	}
}

// hostileMods change the base request; what they return is the PEM to write
// (nil: the request's PEM).
var hostileMods = map[string]func(s *hostileSpec) error{
	"good":             func(*hostileSpec) error { return nil },
	"ca-true":          hostileExt(asn1.ObjectIdentifier{2, 5, 29, 19}, true, struct{ CA bool }{true}),
	"ca-false":         hostileExt(asn1.ObjectIdentifier{2, 5, 29, 19}, true, struct{}{}),
	"keycertsign":      hostileExt(asn1.ObjectIdentifier{2, 5, 29, 15}, true, asn1.BitString{Bytes: []byte{0x84}, BitLength: 6}),
	"eku-codesigning":  hostileExt(asn1.ObjectIdentifier{2, 5, 29, 37}, false, []asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 3}}),
	"eku-clientauth":   hostileExt(asn1.ObjectIdentifier{2, 5, 29, 37}, false, []asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 2}}),
	"nameconstraints":  hostileExt(asn1.ObjectIdentifier{2, 5, 29, 30}, true, asn1.RawValue{FullBytes: []byte{0x30, 0x00}}),
	"crldp":            hostileExt(asn1.ObjectIdentifier{2, 5, 29, 31}, false, asn1.RawValue{FullBytes: []byte{0x30, 0x00}}),
	"aia":              hostileExt(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}, false, asn1.RawValue{FullBytes: []byte{0x30, 0x00}}),
	"mustStaple":       hostileExt(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 24}, false, []int{5}),
	"unknown-critical": hostileExt(asn1.ObjectIdentifier{1, 2, 3, 4, 5}, true, asn1.RawValue{FullBytes: []byte{0x05, 0x00}}),
	"unknown":          hostileExt(asn1.ObjectIdentifier{1, 2, 3, 4, 5}, false, asn1.RawValue{FullBytes: []byte{0x05, 0x00}}),
	"dup-ext":          hostileDupExt,
	"dns-underscore":   hostileAddDNS("a_b.example.com"),
	"dns-trailing-dot": hostileAddDNS("web.example.com."),
	"dns-empty-label":  hostileAddDNS("a..example.com"),
	"dns-nul":          hostileAddDNS("a\x00.example.com"),
	"dns-ulabel":       hostileRawDNS("www.example.com", "bücher.example.com"),
	"wildcard-tld":     hostileAddDNS("*.com"),
	"wildcard-middle":  hostileAddDNS("a.*.example.com"),
	"wildcard-partial": hostileAddDNS("w*.example.com"),
	"cn-not-san":       func(s *hostileSpec) error { s.dns = []string{"other.example.com"}; return nil },
	"two-cn": func(s *hostileSpec) error {
		s.subject = append(s.subject, pkix.RelativeDistinguishedNameSET{{Type: hostileOIDCN, Value: "b.example.com"}})
		return nil
	},
	"country-lower": hostileAttr(hostileOIDC, "de"),
	"cn-long":       hostileCNLong,
	"unlisted": func(s *hostileSpec) error {
		s.subject = append(s.subject, pkix.RelativeDistinguishedNameSET{{Type: hostileOIDSerial, Value: "42"}})
		return nil
	},
	"many-sans": hostileManySANs,
	"rsa1024":   hostileKey(func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 1024) }),
	"rsa-e3":    hostileKey(hostileRSAE3),
	"p521":      hostileKey(func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P521(), rand.Reader) }),
	"p224":      hostileKey(func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P224(), rand.Reader) }),
}

// hostileFrames reframe a good request.
var hostileFrames = map[string]func(der []byte) []byte{
	"der":          func(der []byte) []byte { return der },
	"der-trailing": func(der []byte) []byte { return append(der, 0, 0) },
	"new-type":     func(der []byte) []byte { return hostilePEM("NEW CERTIFICATE REQUEST", der, nil) },
	"wrong-type":   func(der []byte) []byte { return hostilePEM("CERTIFICATE", der, nil) },
	"two-blocks": func(der []byte) []byte {
		return append(hostilePEM("CERTIFICATE REQUEST", der, nil), hostilePEM("CERTIFICATE REQUEST", der, nil)...)
	},
	"headers": func(der []byte) []byte {
		return hostilePEM("CERTIFICATE REQUEST", der, map[string]string{"Proc-Type": "4,ENCRYPTED"})
	},
	"truncated": func(der []byte) []byte {
		p := hostilePEM("CERTIFICATE REQUEST", der, nil)
		return p[:len(p)/2]
	},
	"text-around": func(der []byte) []byte {
		return append(append([]byte("Subject: www.example.com\n"), hostilePEM("CERTIFICATE REQUEST", der, nil)...), "trailing words\n"...)
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
		return hostilePEM("CERTIFICATE REQUEST", out, nil)
	},
	"big": func(der []byte) []byte {
		p := hostilePEM("CERTIFICATE REQUEST", der, nil)
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
	s := hostileBase()
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
		return hostileSHA1(s)
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
	return hostilePEM("CERTIFICATE REQUEST", der, nil), nil
}

func (s *hostileSpec) build() ([]byte, error) {
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
		san, err := hostileDNSSAN(s.dns)
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

// hostileDNSSAN encodes dNSName SANs byte for byte, NULs and all.
func hostileDNSSAN(names []string) ([]byte, error) {
	raw := make([]asn1.RawValue, len(names))
	for i, n := range names {
		raw[i] = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 2, Bytes: []byte(n)}
	}
	return asn1.Marshal(raw)
}

func hostilePEM(typ string, der []byte, headers map[string]string) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Headers: headers, Bytes: der})
}

func hostileExt(oid asn1.ObjectIdentifier, critical bool, v any) func(*hostileSpec) error {
	return func(s *hostileSpec) error {
		der, err := asn1.Marshal(v)
		if err != nil {
			return err
		}
		s.exts = append(s.exts, pkix.Extension{Id: oid, Critical: critical, Value: der})
		return nil
	}
}

func hostileDupExt(s *hostileSpec) error {
	san, err := hostileDNSSAN(s.dns)
	if err != nil {
		return err
	}
	s.exts = append(s.exts, pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 17}, Value: san})
	return nil
}

func hostileAddDNS(name string) func(*hostileSpec) error {
	return func(s *hostileSpec) error { s.dns = append(s.dns, name); return nil }
}

func hostileRawDNS(names ...string) func(*hostileSpec) error {
	return func(s *hostileSpec) error {
		san, err := hostileDNSSAN(names)
		s.rawSAN = san
		return err
	}
}

func hostileAttr(oid asn1.ObjectIdentifier, v string) func(*hostileSpec) error {
	return func(s *hostileSpec) error {
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

func hostileCNLong(s *hostileSpec) error {
	cn := strings.Repeat("a", 30) + "." + strings.Repeat("b", 22) + ".example.com" // 65 characters
	s.dns = []string{cn}
	return hostileAttr(hostileOIDCN, cn)(s)
}

func hostileManySANs(s *hostileSpec) error {
	for i := 0; i < 100; i++ {
		s.dns = append(s.dns, fmt.Sprintf("h%d.example.com", i))
	}
	return nil
}

func hostileKey(gen func() (crypto.Signer, error)) func(*hostileSpec) error {
	return func(s *hostileSpec) error {
		k, err := gen()
		s.key = k
		return err
	}
}

// hostileRSAE3 makes a 2048-bit RSA key with public exponent 3, which crypto/rsa
// will not generate.
func hostileRSAE3() (crypto.Signer, error) {
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

// hostileSHA1 signs the base request with ECDSA and SHA-1, which crypto/x509
// will not do.
func hostileSHA1(s *hostileSpec) ([]byte, error) {
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
	return hostilePEM("CERTIFICATE REQUEST", out, nil), nil
}
