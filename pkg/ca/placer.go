package ca

import "io/fs"

// File is one file a Job asks for: its path, its content and how it is
// placed. Package ca never writes it: the Placer of BatchConfig does.
type File struct {
	Path      string
	Data      []byte
	Mode      fs.FileMode // 0 means 0644
	NoReplace bool        // never replaces a file (a key); placed after the other files of its job
	// Check, for a file that may replace another, says whether the file at
	// its path may be replaced (pem.Kind's Check); nil: any regular file.
	Check func(path string) error
}

// Placer stages the files of one commit of RunBatch where no one sees
// them, while the commit runs, and names them once it returned (cmd/ca
// gives one backed by package place). It is required when a Job has Files.
type Placer interface {
	// Stage writes the files where no one sees them yet: files[n] are the
	// files of the nth job (none for some). The errors are the jobs':
	// Staged.SetErr reports them.
	Stage(files [][]File) Staged
}

// Staged is the files of one commit, staged by a Placer. RunBatch calls
// Sync (possibly while it commits), Skip for the jobs that get no file,
// Place, and Close, from one goroutine at a time.
type Staged interface {
	// SetErr returns why the files of job n could not be staged or
	// placed, or nil.
	SetErr(n int) error
	// Skip keeps the files of job n from their names.
	Skip(n int)
	// Sync makes the staged data durable.
	Sync() error
	// Place makes durable what Sync did not and gives each file its name,
	// the NoReplace files of a job after its other files, never over a
	// file that is there.
	Place() error
	// Close releases what was not placed.
	Close()
}
