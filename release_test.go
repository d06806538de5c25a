package ca_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDockerfile checks what docs/ci-recipes.md promises of the image, as no
// container engine runs here: a distroless static (or scratch) final stage,
// a non-root user, CA_HOME a volume, and the binary built with the flags of
// make dist (scripts/dist.sh).
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(df, -1)
	if len(froms) == 0 {
		t.Fatal("no FROM")
	}
	if last := froms[len(froms)-1][1]; last != "scratch" && !strings.HasPrefix(last, "gcr.io/distroless/static") {
		t.Errorf("final stage FROM %s; want scratch or gcr.io/distroless/static", last)
	}
	users := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindAllStringSubmatch(df, -1)
	if len(users) == 0 || strings.HasPrefix(users[len(users)-1][1], "0") || strings.HasPrefix(users[len(users)-1][1], "root") {
		t.Errorf("USER %v: want a non-root user", users)
	}
	home := regexp.MustCompile(`(?m)^ENV\s+CA_HOME=(\S+)`).FindStringSubmatch(df)
	if home == nil || !regexp.MustCompile(`(?m)^VOLUME\s+\["?`+regexp.QuoteMeta(home[1])+`"?\]?`).MatchString(df) {
		t.Errorf("CA_HOME %v is not a VOLUME", home)
	}
	script, err := os.ReadFile("scripts/dist.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, flag := range []string{"-trimpath", "-buildvcs=false", "-s -w -buildid= -X main.version=", "-X main.commit=", "CGO_ENABLED=0"} {
		if !strings.Contains(df, flag) || !strings.Contains(string(script), flag) {
			t.Errorf("%q is not in both the Dockerfile and scripts/dist.sh", flag)
		}
	}
}
