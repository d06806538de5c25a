package crashtest_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/internal/crashtest"
	"github.com/ca-toolkit/ca/pkg/ca"
)

// childEnv makes the test binary a child that runs the hook of its spec
// through three batches of stages, printing each stage it survives.
const childEnv = "CRASHTEST_CHILD_SPEC"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		hook := crashtest.Hook(spec)
		for i := 1; i <= 3; i++ {
			for _, s := range []ca.Stage{ca.StageBeforeCommit, ca.StageAfterCommit, ca.StageAfterWrite} {
				hook(s)
				fmt.Printf("%s:%d\n", s, i)
			}
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestNoSpecNoHook(t *testing.T) {
	if crashtest.Hook("") != nil {
		t.Error(`Hook("") is not nil`)
	}
}

func TestHookKills(t *testing.T) {
	for _, tc := range []struct {
		spec, last string // last: the last stage the child survives
	}{
		{"before-commit", ""},
		{"after-commit", "before-commit:1"},
		{"after-write:2", "after-commit:2"},
		{"after-commit:3", "before-commit:3"},
		{"after-write:x", "after-commit:1"}, // not a count: the first
		{"no-such-stage", "after-write:3"},  // never: the child exits 0
	} {
		t.Run(tc.spec, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"="+tc.spec)
			out, err := cmd.Output()
			lines := strings.Fields(string(out))
			last := ""
			if len(lines) > 0 {
				last = lines[len(lines)-1]
			}
			if last != tc.last {
				t.Errorf("the child's last stage = %q, want %q", last, tc.last)
			}
			if want := tc.spec != "no-such-stage"; (err != nil) != want {
				t.Errorf("child: %v; want it killed: %v", err, want)
			}
		})
	}
}
