package home

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// SignFlags are the values of "ca sign csr" as given on the command line,
// before they are checked.
type SignFlags struct {
	Issuer, Profile, Validity string
	// Out is the file of the one request's certificate ("" or "-": none,
	// the caller writes it to stdout); OutDir the directory of several.
	Out, OutDir string
	Chain       bool
}

// Config checks f against the requests' files, inputs ("-" is stdin), and
// returns the SignConfig of the run; the caller sets PreRead and OnResult.
// It refuses (ca.ErrUsage) an unknown profile or a validity that does not
// parse, "-" given twice, Out with OutDir or with several inputs, several
// inputs without OutDir and an OutDir that is not a directory; then
// checkOut, when set, vets Out (Home.CheckOut).
func (f SignFlags) Config(inputs []string, stdin io.Reader, checkOut func(flag, out string, kind pem.Kind) error) (SignConfig, error) {
	profile, err := ca.LookupProfile(f.Profile)
	if err != nil {
		return SignConfig{}, err
	}
	validity, err := ca.ParseFlagDuration("validity", f.Validity)
	if err != nil {
		return SignConfig{}, err
	}
	if f.Out == "-" {
		f.Out = ""
	}
	if err := f.checkOutputs(inputs); err != nil {
		return SignConfig{}, err
	}
	if f.Out != "" && checkOut != nil {
		if err := checkOut("--out", f.Out, pem.KindCertificate); err != nil {
			return SignConfig{}, err
		}
	}
	return SignConfig{
		Issuer: f.Issuer, Options: ca.SignOptions{Profile: profile, Validity: validity},
		Inputs: inputs, Stdin: stdin, Out: f.Out, OutDir: f.OutDir, Chain: f.Chain,
	}, nil
}

// checkOutputs refuses Out and OutDir that do not fit the inputs.
func (f SignFlags) checkOutputs(inputs []string) error {
	switch {
	case f.Out != "" && f.OutDir != "":
		return usageErr{errors.New("--out and --out-dir exclude each other")}
	case len(slices.DeleteFunc(slices.Clone(inputs), func(a string) bool { return a != "-" })) > 1:
		return usageErr{errors.New(`"-" (stdin) may be given once`)}
	case len(inputs) > 1 && f.Out != "":
		return usageErr{errors.New("--out takes the certificate of one request; use --out-dir DIR for several")}
	case len(inputs) > 1 && f.OutDir == "":
		return usageErr{fmt.Errorf("%d requests need --out-dir DIR for their certificates", len(inputs))}
	}
	if fi, err := os.Stat(f.OutDir); f.OutDir != "" && err == nil && !fi.IsDir() {
		return usageErr{fmt.Errorf("--out-dir %s is not a directory", f.OutDir)}
	}
	return nil
}
