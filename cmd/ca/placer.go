package main

import (
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/place"
)

// placer is the ca.Placer of the signing commands: package place's Batch,
// the files of job n making its Set n.
type placer struct{}

func (placer) Stage(jobs [][]ca.File) ca.Staged {
	var files []place.File
	for n, fs := range jobs {
		for _, f := range fs {
			files = append(files, place.File{Path: f.Path, Data: f.Data, Mode: f.Mode, NoReplace: f.NoReplace, Set: n})
		}
	}
	b := place.NewBatch(files...)
	b.Write() // the errors are the files': SetErr reports them
	return b
}
