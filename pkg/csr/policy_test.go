package csr

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParsePolicySpecExample(t *testing.T) {
	p := mustPolicy(t, specPolicy)
	if p.MaxValidity() != 397*day {
		t.Errorf("MaxValidity = %v", p.MaxValidity())
	}
	rules := p.Rules()
	want := []Rule{
		{"subject C", "match", ""},
		{"subject O", "match", ""},
		{"subject OU", "optional", "allow Devices, Servers"},
		{"subject CN", "supplied", `pattern ^[a-z0-9-]+(\.[a-z0-9-]+)*$; maxLength 64`},
		{"subject L", "optional", ""},
		{"subject ST", "optional", ""},
		{"unlisted", "reject", "a subject field the policy does not name is refused"},
		{"san dns", "allow", "allow example.com, *.example.com; deny *.corp.example.com"},
		{"san ip", "any", "all valid IP addresses"},
		{"san email", "allow", "allow example.com"},
		{"san uri", "allow", "allow spiffe://example.com/*"},
		{"keyTypes", "allow", "ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096, ed25519"},
		{"maxValidity", "max", "397d"},
		{"profiles", "allow", "server, client, device"},
	}
	if !reflect.DeepEqual(rules, want) {
		t.Errorf("Rules() =\n%v\nwant\n%v", rules, want)
	}
}

func TestPolicyRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		p    *Policy
	}{
		{"spec example", mustPolicy(t, specPolicy)},
		{"default with issuer", DefaultPolicy(pkix.Name{Country: []string{"DE"}, Organization: []string{"Example"}})},
		{"default without issuer fields", DefaultPolicy(pkix.Name{})},
		{"odd but valid", mustPolicy(t, `{"subject": {"2.5.4.5": "forbidden", "1.2.3.4": {"rule": "optional", "maxLength": 3}},
			"unlisted": "drop", "san": {"ip": {"allow": ["10.0.0.0/8"], "deny": ["10.1.0.0/16"]}},
			"keyTypes": ["rsa-8192"], "maxValidity": "8760h", "profiles": ["client"]}`)},
		{"empty object", mustPolicy(t, `{}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := json.Marshal(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParsePolicy(out)
			if err != nil {
				t.Fatalf("ParsePolicy(MarshalJSON()) = %v\n%s", err, out)
			}
			again, err := json.Marshal(back)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, again) {
				t.Errorf("round trip changed the policy:\n%s\n%s", out, again)
			}
			if !reflect.DeepEqual(tt.p.Rules(), back.Rules()) {
				t.Errorf("round trip changed the rules")
			}
		})
	}

	// The spec example comes out with the same content and shape.
	out, err := json.Marshal(mustPolicy(t, specPolicy))
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(out, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(specPolicy), &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("MarshalJSON of the spec example:\n%s", out)
	}
}

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy(pkix.Name{Country: []string{"DE"}, Organization: []string{"Example"}})
	got := map[string]string{}
	for _, r := range p.Rules() {
		got[r.Field] = r.Rule
	}
	want := map[string]string{
		"subject C": "match", "subject O": "match", "subject ST": "optional", "subject CN": "supplied",
		"subject OU": "optional", "subject L": "optional", "unlisted": "reject",
		"san dns": "any", "san ip": "any", "san email": "any", "san uri": "any",
		"keyTypes": "allow", "maxValidity": "max", "profiles": "allow",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rules %v", got)
	}
	if p.MaxValidity() != 397*24*time.Hour {
		t.Errorf("MaxValidity %v", p.MaxValidity())
	}
	if p := DefaultPolicy(pkix.Name{Province: []string{"Bayern"}}); p.field("ST").rule != "match" || p.field("C").rule != "optional" {
		t.Error("ST should match and C be optional")
	}
}

func TestFillMatch(t *testing.T) {
	issuer := pkix.Name{Country: []string{"DE"}, Organization: []string{"Example"}, Province: []string{"Bayern"}, CommonName: "Root"}
	p := DefaultPolicy(issuer)
	got := p.FillMatch(pkix.Name{CommonName: "device-1", Organization: []string{"Mine"}}, issuer)
	if got.CommonName != "device-1" || got.Organization[0] != "Mine" || got.Country[0] != "DE" || got.Province[0] != "Bayern" || len(got.Locality) != 0 {
		t.Errorf("FillMatch = %+v", got)
	}
	all := mustPolicy(t, `{"subject": {"C": "match", "ST": "match", "L": "match", "O": "match", "OU": "match", "CN": "match",
		"serialNumber": "match", "street": "match", "postalCode": "match", "1.2.3.4": "match"}}`)
	full := pkix.Name{Country: []string{"DE"}, Province: []string{"Bayern"}, Locality: []string{"Passau"}, Organization: []string{"Example"},
		OrganizationalUnit: []string{"IT"}, CommonName: "Root", SerialNumber: "7", StreetAddress: []string{"Hauptstr. 1"}, PostalCode: []string{"94032"}}
	if filled := all.FillMatch(pkix.Name{}, full); !reflect.DeepEqual(filled, full) {
		t.Errorf("FillMatch of every field = %+v", filled)
	}
	if kept := all.FillMatch(pkix.Name{CommonName: "mine", Locality: []string{"Wien"}}, full); kept.CommonName != "mine" || kept.Locality[0] != "Wien" {
		t.Errorf("FillMatch overwrote given fields: %+v", kept)
	}

	// The filled name passes the match rules; the O given differs.
	r := Request{Subject: got.ToRDNSequence(), PublicKey: testP256().Public()}
	env := Env{Profile: "client", Validity: day, Issuer: mustIssuer(&x509.Certificate{Subject: issuer})}
	checkFailures(t, p.Judge(r, env), []string{"subject O/match"})
}

func TestParsePolicyErrors(t *testing.T) {
	tests := []struct {
		name string
		json string
		line int
		msg  string
	}{
		{"unknown rule", "{\n  \"subject\": {\n    \"C\": \"match\",\n    \"OU\": \"sometimes\"\n  }\n}", 4,
			`csr: policy.json line 4: rule "sometimes" for OU is not one of match, supplied, optional, forbidden`},
		{"unknown rule in object", "{\"subject\": {\n\"CN\": {\"rule\": \"often\"}}}", 2, `rule "often" for CN`},
		{"object without rule", "{\"subject\": {\n\"CN\": {\"maxLength\": 3}}}", 2, `has no "rule"`},
		{"bad pattern", "{\"subject\": {\n\n\"CN\": {\"rule\": \"supplied\", \"pattern\": \"([a-z\"}}}", 3, "pattern for CN is not a valid regular expression"},
		{"bad maxLength", "{\"subject\": {\"CN\": {\"rule\": \"supplied\",\n \"maxLength\": 0}}}", 2, "maxLength for CN"},
		{"string maxLength", "{\"subject\": {\"CN\": {\"rule\": \"supplied\",\n \"maxLength\": \"64\"}}}", 2, "maxLength for CN"},
		{"unknown field key", "{\"subject\": {\"CN\": {\"rule\": \"supplied\",\n \"max\": 3}}}", 2, `unknown key "max"`},
		{"unknown subject field", "{\"subject\": {\n\"cn\": \"supplied\"}}", 2, `unknown subject field "cn"`},
		{"subject field twice", "{\"subject\": {\"serialNumber\": \"optional\",\n\"2.5.4.5\": \"optional\"}}", 2, "named twice"},
		{"empty allow", "{\"subject\": {\"OU\": {\"rule\": \"optional\",\n\"allow\": []}}}", 2, "allow for OU is empty"},
		{"bad CIDR", "{\n\"san\": {\n\"ip\": {\"allow\": [\n\"10.0.0.0/33\"]}}}", 4, `"10.0.0.0/33" for san ip is not a CIDR`},
		{"bare IP", "{\"san\": {\"ip\": {\"allow\": [\"10.0.0.1\"]}}}", 1, "10.0.0.1/32"},
		{"bad dns entry", "{\"san\": {\n\"dns\": {\"allow\": [\"*.com\"]}}}", 2, `allow entry "*.com" for san dns`},
		{"dns entry with underscore", "{\"san\": {\"dns\": {\"allow\": [\"example.com\"],\n\"deny\": [\"a_b.example.com\"]}}}", 2, "deny entry"},
		{"bad email entry", "{\"san\": {\"email\": {\"allow\": [\n\"@example.com\"]}}}", 2, "for san email"},
		{"bad uri entry", "{\"san\": {\"uri\": {\"allow\": [\n\"spiffe://*/x\"]}}}", 2, "for san uri"},
		{"san without allow", "{\"san\": {\n\"dns\": {\"deny\": [\"example.com\"]}}}", 2, "no allow list"},
		{"san bad string", "{\"san\": {\n\"dns\": \"all\"}}", 2, `"any"`},
		{"unknown san type", "{\"san\": {\n\"upn\": \"any\"}}", 2, `unknown SAN type "upn"`},
		{"unknown key type", "{\n\"keyTypes\": [\"ecdsa-p256\",\n \"dsa-1024\"]}", 3, `unknown key type "dsa-1024"`},
		{"rsa too small", "{\"keyTypes\": [\"rsa-1024\"]}", 1, `unknown key type "rsa-1024"`},
		{"key types not a list", "{\n\"keyTypes\": \"ed25519\"}", 2, "keyTypes must be a list, not a string"},
		{"empty key types", "{\n\"keyTypes\": []}", 2, "keyTypes is empty"},
		{"key type twice", "{\"keyTypes\": [\"ed25519\",\n\"ed25519\"]}", 2, "twice"},
		{"unknown profile", "{\n\n\"profiles\": [\"server\", \"admin\"]}", 3, `unknown profile "admin"`},
		{"empty profiles", "{\"profiles\": []}", 1, "profiles is empty"},
		{"bad maxValidity", "{\n\"maxValidity\": \"397x\"}", 2, "maxValidity"},
		{"negative maxValidity", "{\n\"maxValidity\": \"-1d\"}", 2, "negative"},
		{"overflowing maxValidity", "{\n\"maxValidity\": \"1000y\"}", 2, "too large"},
		{"numeric maxValidity", "{\n\"maxValidity\": 397}", 2, "must be a string"},
		{"unlisted bad", "{\n\"unlisted\": \"maybe\"}", 2, `unlisted "maybe"`},
		{"unknown top-level key", "{\n  \"subject\": {},\n  \"sans\": {}\n}", 3, `unknown key "sans"`},
		{"duplicate key", "{\"maxValidity\": \"1d\",\n\"maxValidity\": \"2d\"}", 2, "appears twice"},
		{"not an object", "[\n]", 1, "the policy must be an object"},
		{"missing comma", "{\n\"unlisted\": \"drop\"\n\"maxValidity\": \"1d\"}", 3, "column"},
		{"trailing data", "{}\n{}", 2, "unexpected data"},
		{"truncated", "{\n\"subject\": {", 2, "unexpected end"},
		{"empty", "", 1, "unexpected end"},
		{"too deep", strings.Repeat("[", 40) + strings.Repeat("]", 40), 1, "nested too deeply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy([]byte(tt.json))
			if err == nil {
				t.Fatal("ParsePolicy succeeded")
			}
			if !errors.Is(err, ErrBadPolicy) {
				t.Errorf("%v is not ErrBadPolicy", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "csr: policy.json line ") {
				t.Errorf("message %q lacks the line prefix", msg)
			}
			if !strings.Contains(msg, "line "+strconv.Itoa(tt.line)+":") {
				t.Errorf("message %q does not name line %d", msg, tt.line)
			}
			if !strings.Contains(msg, tt.msg) {
				t.Errorf("message %q does not contain %q", msg, tt.msg)
			}
		})
	}
	if _, err := ParsePolicy(make([]byte, MaxInputSize+1)); !errors.Is(err, ErrBadPolicy) {
		t.Errorf("oversize policy: %v", err)
	}
}
