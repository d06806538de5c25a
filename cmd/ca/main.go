// Command ca is a command-line certificate authority: roots and
// intermediates, CSR signing under a DN policy, revocation and CRLs, batch
// provisioning, and a TLS test endpoint. See docs/ and "ca help".
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	g := newGlobals(os.Stdin, os.Stdout, os.Stderr, os.Environ())
	err := newRootCmd(g).ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ca: %s\n", message(err))
	}
	os.Exit(exitCode(err))
}
