// Command ca is a command-line certificate authority: roots and
// intermediates, CSR signing under a DN policy, revocation and CRLs, batch
// provisioning, and a TLS test endpoint. See docs/ and "ca help".
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ca-toolkit/ca/internal/harden"
)

func main() {
	harden.Process()
	// SIGHUP (a closed terminal, or a supervisor's "stop") stops a command
	// as SIGINT and SIGTERM do: serve removes its ready file and exits 0.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	// The first signal cancels ctx, which every command heeds between its
	// steps; a second one, for a process stuck in a read (a FIFO that never
	// closes), ends it as the default action does.
	go func() {
		<-ctx.Done()
		stop()
	}()
	g := newGlobals(os.Stdin, os.Stdout, os.Stderr, os.Environ())
	// CA_TEST_PROCESS_STATE: the tests see what harden.Process did; never set it in production.
	if g.env["CA_TEST_PROCESS_STATE"] != "" {
		fmt.Fprintf(os.Stderr, "ca: test: %s\n", harden.State())
	}
	err := run(ctx, g)
	if err != nil {
		// One line a reason (errors.Join), each "ca: " as every diagnostic.
		for line := range strings.Lines(g.explain(err)) {
			fmt.Fprintf(os.Stderr, "ca: %s\n", strings.TrimSuffix(line, "\n"))
		}
	}
	stop()
	os.Exit(exitCode(err))
}

// run executes the command line. A panic (bbolt panics on some damaged
// files) becomes an error, exit 1, rather than a Go trace.
func run(ctx context.Context, g *globals) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v (if the store is damaged, \"ca store check\" says so; restore it from a backup)", r)
		}
	}()
	return newRootCmdFor(g, os.Args[1:]).ExecuteContext(ctx)
}
