package home

import (
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/place"
)

// Placer is the ca.Placer of the commands that sign (ca.RunBatch): package
// place's Batch, the files of job n making its Set n, staged at once.
type Placer struct{}

// Stage stages the files of one commit in a place.Batch (its Write); the
// errors are the files', which SetErr reports.
func (Placer) Stage(jobs [][]ca.File) ca.Staged {
	var files []place.File
	for n, fs := range jobs {
		files = append(files, PlaceFiles(fs, n)...)
	}
	b := place.NewBatch(files...)
	b.Write()
	return b
}

// PlaceFiles returns the files a job asks for as package place's files of
// Set set (for a Batch, or for place.CheckFile before any work).
func PlaceFiles(files []ca.File, set int) []place.File {
	out := make([]place.File, len(files))
	for i, f := range files {
		out[i] = place.File{Path: f.Path, Data: f.Data, Mode: f.Mode, NoReplace: f.NoReplace, Check: f.Check, Set: set}
	}
	return out
}
