// Package buildinfo says what a ca binary is, for "ca version": the
// version and commit the linker gave cmd/ca, the Go version and platform
// it was built with, the store schema it writes and the VCS revision Go
// recorded. It owns only that report; the linker variables stay cmd/ca's.
package buildinfo

import (
	"cmp"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/ca-toolkit/ca/store"
)

// Info is what a binary is, in the JSON shape of "ca version".
type Info struct {
	Version     string `json:"version"`
	Commit      string `json:"commit"`
	GoVersion   string `json:"goVersion"`
	Platform    string `json:"platform"`
	StoreSchema int    `json:"storeSchema"`
	VCSRevision string `json:"vcsRevision,omitempty"`
}

// Read returns the Info of the running binary, built as version from
// commit; an empty commit is the VCS revision Go recorded, else "unknown".
func Read(version, commit string) Info {
	i := Info{Version: version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH, StoreSchema: store.SchemaVersion}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				i.VCSRevision = s.Value
			}
		}
	}
	i.Commit = cmp.Or(commit, i.VCSRevision, "unknown")
	return i
}

// WriteText writes the Info for people, on one line.
func (i Info) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "ca %s (commit %s, %s, %s, store schema %d)\n", i.Version, i.Commit, i.GoVersion, i.Platform, i.StoreSchema)
	return err
}
