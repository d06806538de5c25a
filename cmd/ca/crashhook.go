package main

import (
	"github.com/ca-toolkit/ca/internal/crashtest"
	"github.com/ca-toolkit/ca/pkg/ca"
)

// batchHook returns the BatchConfig.Hook of the signing commands: nil, unless
// the test-only variable CA_TEST_CRASH names a stage (before-commit,
// after-commit or after-write, optionally ":N" for its N-th time, default
// the first), at which the process kills itself with SIGKILL, as a power
// cut or an OOM kill would. The crash tests use it; never set it otherwise.
func (g *globals) batchHook() func(ca.Stage) { return crashtest.Hook(g.env["CA_TEST_CRASH"]) }
