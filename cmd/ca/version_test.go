package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/internal/buildinfo"
)

// TestReleaseBuild builds ca as make dist does (scripts/dist.sh): "ca
// version" names the version and the commit given to the linker, in text
// and JSON; the binary holds no path of the machine that built it; and a
// second build gives the same bytes. (make dist-check also builds from
// another directory with an empty cache, and compares the archives.)
func TestReleaseBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the ca binary twice")
	}
	const ver, commit = "v1.2.3", "0123456789abcdef0123456789abcdef01234567"
	dir := t.TempDir()
	build := func(name string) []byte {
		bin := filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false",
			"-ldflags", "-s -w -buildid= -X main.version="+ver+" -X main.commit="+commit, "-o", bin, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	one, two := build("ca"), build("ca2")
	if !bytes.Equal(one, two) {
		t.Error("two builds of the same source differ")
	}
	if wd, _ := os.Getwd(); bytes.Contains(one, []byte(filepath.Dir(filepath.Dir(wd)))) {
		t.Errorf("the binary holds the build directory %s", filepath.Dir(filepath.Dir(wd)))
	}
	out, err := exec.Command(filepath.Join(dir, "ca"), "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "ca "+ver+" (commit "+commit+", ") {
		t.Errorf("ca version = %q, %v; want the version and the commit", out, err)
	}
	out, err = exec.Command(filepath.Join(dir, "ca"), "version", "-o", "json").Output()
	var r buildinfo.Info
	if err != nil || json.Unmarshal(out, &r) != nil || r.Version != ver || r.Commit != commit {
		t.Errorf("ca version -o json = %s, %v; want version %s, commit %s", out, err, ver, commit)
	}
}
