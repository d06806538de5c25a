package main

import (
	"cmp"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/store"
)

// commit is the commit the binary was built from, set by the linker for a
// release (-X main.commit=...; make dist); otherwise the VCS revision Go
// recorded, if any.
var commit = ""

type versionResult struct {
	Version     string `json:"version"`
	Commit      string `json:"commit"`
	GoVersion   string `json:"goVersion"`
	Platform    string `json:"platform"`
	StoreSchema int    `json:"storeSchema"`
	VCSRevision string `json:"vcsRevision,omitempty"`
}

func (r versionResult) text(w io.Writer) {
	fmt.Fprintf(w, "ca %s (commit %s, %s, %s, store schema %d)\n", r.Version, r.Commit, r.GoVersion, r.Platform, r.StoreSchema)
}

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of ca",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r := versionResult{Version: version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH, StoreSchema: store.SchemaVersion}
			if bi, ok := debug.ReadBuildInfo(); ok {
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" {
						r.VCSRevision = s.Value
					}
				}
			}
			r.Commit = cmp.Or(commit, r.VCSRevision, "unknown")
			return g.render(r)
		},
	}
}
