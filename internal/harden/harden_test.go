package harden_test

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/internal/harden"
)

// childEnv makes the test binary a child that prints State, after Process
// when its value is "harden".
const childEnv = "HARDEN_TEST_CHILD"

func TestMain(m *testing.M) {
	if v := os.Getenv(childEnv); v != "" {
		if v == "harden" {
			harden.Process()
		}
		os.Stdout.WriteString(harden.State())
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestProcess(t *testing.T) {
	for _, tc := range []struct {
		name, child, linux string
	}{
		{"hardened", "harden", "dumpable=0 core=0/0"},
		{"as started", "plain", "dumpable=1 core="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"="+tc.child)
			out, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			want := tc.linux
			if runtime.GOOS != "linux" {
				want = "unsupported"
			}
			if !strings.HasPrefix(string(out), want) {
				t.Errorf("State = %q, want %q", out, want)
			}
		})
	}
}
