package passphrase

import (
	"fmt"
	"strconv"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// EnvKDFCost is the environment variable of the KDF cost of new keys.
const EnvKDFCost = "CA_KDF_COST"

// NewKey returns the passphrase of a new key of "ca init" or "ca csr
// create": New's (File, $CA_PASSPHRASE_FILE, $CA_PASSPHRASE, else asked
// twice), checked by CheckNew. With unencrypted (--no-passphrase) it
// returns nil, nil, unless File is set too, which contradicts it
// (ErrUsage).
func (s *Sources) NewKey(unencrypted bool) ([]byte, error) {
	if unencrypted && s.File != "" {
		return nil, usage("--passphrase-file and --no-passphrase contradict each other: encrypt the new key, or not")
	}
	if unencrypted {
		return nil, nil
	}
	p, err := s.New("passphrase for the new key: ", "passphrases", "or --no-passphrase for an unencrypted key")
	if err != nil {
		return nil, err
	}
	if err := CheckNew(p); err != nil {
		return nil, err
	}
	return p, nil
}

// CheckNew refuses a passphrase too short for a new key
// (pem.CheckNewPassphrase), clearing it: the error matches ErrUsage and
// pem.ErrShortPassphrase.
func CheckNew(p []byte) error {
	if err := pem.CheckNewPassphrase(p); err != nil {
		clear(p)
		return &usageErr{msg: fmt.Sprintf("%v; choose a longer one (keys made before with a shorter one still open)", err), err: err}
	}
	return nil
}

// KDFCost returns the scrypt cost, as log2 of N, of new encrypted keys:
// flag when flagSet (--kdf-cost), else $CA_KDF_COST from env, else
// pem.DefaultKDFCost. One that is not a number or is outside
// pem.MinKDFCost to pem.MaxKDFCost is ErrUsage, naming where it came from.
func KDFCost(flag int, flagSet bool, env map[string]string) (int, error) {
	cost, from := flag, "--kdf-cost"
	switch v := env[EnvKDFCost]; {
	case flagSet:
	case v != "":
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, usage("%s=%q: give log2 of scrypt's N, %d to %d", EnvKDFCost, v, pem.MinKDFCost, pem.MaxKDFCost)
		}
		cost, from = n, EnvKDFCost
	default:
		cost = pem.DefaultKDFCost
	}
	if cost < pem.MinKDFCost || cost > pem.MaxKDFCost {
		return 0, usage("%s %d: give log2 of scrypt's N, %d to %d (default %d)", from, cost, pem.MinKDFCost, pem.MaxKDFCost, pem.DefaultKDFCost)
	}
	return cost, nil
}
