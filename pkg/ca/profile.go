package ca

import (
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
)

// ProfileConfig describes what a leaf certificate may do. NewProfile checks
// it once into a Profile.
type ProfileConfig struct {
	Name        string
	KeyUsage    x509.KeyUsage // keyEncipherment is added for RSA keys when RSAEncipherment is set
	ExtKeyUsage []x509.ExtKeyUsage
	// RSAEncipherment adds keyEncipherment for RSA subject keys (TLS 1.2 RSA key exchange).
	RSAEncipherment bool
	// RequireSAN: at least one DNS or IP SAN.
	RequireSAN bool
	// CNMustBeSAN: a CN must be among the DNS or IP SANs.
	CNMustBeSAN bool
}

// Profile is a checked ProfileConfig.
type Profile struct{ cfg ProfileConfig }

// NewProfile checks cfg: a name, a key usage, at least one EKU, and no CA powers.
func NewProfile(cfg ProfileConfig) (*Profile, error) {
	switch {
	case cfg.Name == "":
		return nil, fmt.Errorf("ca: profile has no name")
	case cfg.KeyUsage == 0:
		return nil, fmt.Errorf("ca: profile %s has no key usage", cfg.Name)
	case cfg.KeyUsage&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != 0:
		return nil, fmt.Errorf("ca: profile %s grants CA key usages", cfg.Name)
	case len(cfg.ExtKeyUsage) == 0:
		return nil, fmt.Errorf("ca: profile %s has no extended key usage", cfg.Name)
	}
	return &Profile{cfg: cfg}, nil
}

func mustProfile(cfg ProfileConfig) *Profile {
	p, err := NewProfile(cfg)
	if err != nil {
		panic(err)
	}
	return p
}

// The built-in leaf profiles of SPEC.md.
var (
	ProfileServer = mustProfile(ProfileConfig{
		Name: "server", KeyUsage: x509.KeyUsageDigitalSignature, RSAEncipherment: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, RequireSAN: true, CNMustBeSAN: true,
	})
	ProfileClient = mustProfile(ProfileConfig{
		Name: "client", KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	ProfileDevice = mustProfile(ProfileConfig{
		Name: "device", KeyUsage: x509.KeyUsageDigitalSignature, RSAEncipherment: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, CNMustBeSAN: true,
	})
)

// The profiles of CA certificates, a home's root and its intermediates
// (CreateRoot, Issuer.CreateIntermediate): their names are recorded in
// CertRecord.Profile like a leaf's. LookupProfile does not return them: no
// request is signed under them.
var (
	ProfileRoot         = &Profile{cfg: ProfileConfig{Name: "root", KeyUsage: caKeyUsage}}
	ProfileIntermediate = &Profile{cfg: ProfileConfig{Name: "intermediate", KeyUsage: caKeyUsage}}
	// ProfileCross is a CA certificate for another CA's subject and key
	// (Issuer.IssueCross).
	ProfileCross = &Profile{cfg: ProfileConfig{Name: "cross", KeyUsage: caKeyUsage}}
)

// caKeyUsage is the key usage of a CA certificate.
const caKeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature

// profiles are the leaf profiles LookupProfile knows.
var profiles = []*Profile{ProfileServer, ProfileClient, ProfileDevice}

// LookupProfile returns the built-in profile named name; "" is server.
func LookupProfile(name string) (*Profile, error) {
	if name == "" {
		return ProfileServer, nil
	}
	for _, p := range profiles {
		if p.cfg.Name == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("%w: unknown profile %q (use one of %s)", ErrUsage, name, strings.Join(ProfileNames(), ", "))
}

// ProfileNames lists the built-in profiles.
func ProfileNames() []string {
	out := make([]string, len(profiles))
	for i, p := range profiles {
		out[i] = p.cfg.Name
	}
	return out
}

// Name returns the profile's name.
func (p *Profile) Name() string { return p.cfg.Name }

// KeyUsage returns the key usage the profile grants a key like pub.
func (p *Profile) KeyUsage(pub any) x509.KeyUsage {
	ku := p.cfg.KeyUsage
	if _, ok := pub.(*rsa.PublicKey); ok && p.cfg.RSAEncipherment {
		ku |= x509.KeyUsageKeyEncipherment
	}
	return ku
}

// ExtKeyUsage returns the extended key usages the profile grants.
func (p *Profile) ExtKeyUsage() []x509.ExtKeyUsage { return slices.Clone(p.cfg.ExtKeyUsage) }

// RequireSAN reports whether the profile needs a DNS or IP SAN.
func (p *Profile) RequireSAN() bool { return p.cfg.RequireSAN }

// CNMustBeSAN reports whether a CN must be one of the DNS or IP SANs.
func (p *Profile) CNMustBeSAN() bool { return p.cfg.CNMustBeSAN }
