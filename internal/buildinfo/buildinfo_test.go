package buildinfo_test

import (
	"bytes"
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/internal/buildinfo"
	"github.com/ca-toolkit/ca/store"
)

func TestRead(t *testing.T) {
	// A test binary has no VCS revision: an empty commit is "unknown".
	for _, tc := range []struct{ version, commit, want string }{
		{"v1.2.3", "0123abc", "0123abc"},
		{"dev", "", "unknown"},
	} {
		t.Run(tc.version, func(t *testing.T) {
			i := buildinfo.Read(tc.version, tc.commit)
			if i.Version != tc.version || i.Commit != tc.want || i.GoVersion != runtime.Version() ||
				i.Platform != runtime.GOOS+"/"+runtime.GOARCH || i.StoreSchema != store.SchemaVersion {
				t.Errorf("Read = %+v", i)
			}
			var text bytes.Buffer
			if err := i.WriteText(&text); err != nil || !strings.HasPrefix(text.String(), "ca "+tc.version+" (commit "+tc.want+", go") {
				t.Errorf("text %q", text.String())
			}
			data, err := json.Marshal(i)
			if err != nil || !bytes.HasPrefix(data, []byte(`{"version":"`+tc.version+`","commit":"`+tc.want+`","goVersion":`)) || bytes.Contains(data, []byte("vcsRevision")) {
				t.Errorf("JSON %s, %v", data, err)
			}
		})
	}
}
