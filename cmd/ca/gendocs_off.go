//go:build !gendocs

package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// The docs generator is built only with -tags gendocs (make docs), so that
// its libraries do not slow every start; writeDocs stands in for it.

const genDocsShort = "Write the CLI reference (built with -tags gendocs only)"

func writeDocs(*cobra.Command, string) (md, man string, err error) {
	return "", "", errors.New("this ca was built without the docs generator; run \"make docs\"")
}
