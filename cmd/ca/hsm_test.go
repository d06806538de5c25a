//go:build cgo

package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ca-toolkit/ca/internal/softhsm"
)

// TestHSMScript runs the sessions in testdata/hsm, each with its own
// SoftHSM2 (SOFTHSM2_CONF in $WORK) holding a token labelled T with PIN
// 1234, CA_PKCS11_MODULE set, and $WORK/pin holding the PIN. Skipped
// without softhsm2; a failure when CI=true.
func TestHSMScript(t *testing.T) {
	softhsm.Available(t)
	p := scriptParams(t, "testdata/hsm")
	setup := p.Setup
	p.Setup = func(env *testscript.Env) error {
		if err := setup(env); err != nil {
			return err
		}
		conf, err := softhsm.Conf(filepath.Join(env.WorkDir, "softhsm"))
		if err != nil {
			return err
		}
		if err := softhsm.InitToken(conf, "T"); err != nil {
			return err
		}
		env.Setenv("SOFTHSM2_CONF", conf)
		env.Setenv("CA_PKCS11_MODULE", softhsm.Module)
		return os.WriteFile(filepath.Join(env.WorkDir, "pin"), []byte(softhsm.PIN+"\n"), 0o600)
	}
	testscript.Run(t, p)
}
