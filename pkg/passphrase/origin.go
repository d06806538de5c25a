package passphrase

import "fmt"

// IssuerOrigin says where Issuer takes the issuer key's passphrase from,
// for messages: "--passphrase-file FILE", "$CA_PASSPHRASE_FILE (FILE)",
// "$CA_PASSPHRASE" or "the prompt".
func (s *Sources) IssuerOrigin() string {
	switch {
	case s.File != "":
		return "--passphrase-file " + s.File
	case s.Env[EnvFile] != "":
		return fmt.Sprintf("$%s (%s)", EnvFile, s.Env[EnvFile])
	case s.Env[EnvValue] != "":
		return "$" + EnvValue
	}
	return "the prompt"
}

// KeyOrigin says where Key takes a key's own passphrase from, for
// messages: "--key-passphrase-file FILE", "$CA_KEY_PASSPHRASE_FILE (FILE)"
// or "the prompt".
func (s *Sources) KeyOrigin() string {
	switch {
	case s.KeyFile != "":
		return "--key-passphrase-file " + s.KeyFile
	case s.Env[EnvKeyFile] != "":
		return fmt.Sprintf("$%s (%s)", EnvKeyFile, s.Env[EnvKeyFile])
	}
	return "the prompt"
}
