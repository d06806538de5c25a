package ca

import (
	"bytes"
	"context"
	"errors"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/ca-toolkit/ca/pkg/pem"
)

// Job is one certificate of a batch. Prepare runs in a worker, outside any
// store transaction (key generation, judging, signing); Files names the files
// to write for the certificate once it is recorded.
type Job struct {
	Index   int
	Prepare func() (*Issued, error)
	Files   func(*Issued) ([]pem.File, error)
}

// Result is what became of one Job.
type Result struct {
	Index  int
	Issued *Issued // nil when Err is set
	Files  []string
	Err    error
}

// Stage names a point of the batch where a test-only Hook may stop the process.
type Stage string

// Stages of a commit.
const (
	StageBeforeCommit Stage = "before-commit"
	StageAfterCommit  Stage = "after-commit"
	StageAfterWrite   Stage = "after-write"
)

// BatchConfig configures RunBatch. Store is required.
type BatchConfig struct {
	Store Store
	// Workers prepare jobs in parallel; 0 means runtime.NumCPU().
	Workers int
	// MaxBatch caps how many certificates one transaction records; 0 means 4096.
	MaxBatch int
	// OnResult is called for each job, from one goroutine, in commit order.
	OnResult func(Result)
	// Hook, when set, is called at each Stage of each commit (tests use it to
	// crash the process at a chosen instant).
	Hook func(Stage)
}

// RunBatch prepares jobs in parallel workers and records them with group
// commit: one writer takes every prepared certificate that is ready (up to
// MaxBatch), records them in one store transaction, and only after the
// commit writes their files, with one sync for the batch; files marked
// NoReplace (keys) are placed after all the others (pem.WriteBatch). A job that fails
// does not stop the others. RunBatch returns when jobs is closed and every
// job is reported, or with the first store error (the jobs of that commit
// and the ones after it are reported with it).
func RunBatch(ctx context.Context, cfg BatchConfig, jobs <-chan Job) error {
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	maxBatch := cfg.MaxBatch
	if maxBatch <= 0 {
		maxBatch = 4096
	}
	report := cfg.OnResult
	if report == nil {
		report = func(Result) {}
	}
	hook := cfg.Hook
	if hook == nil {
		hook = func(Stage) {}
	}

	// Room for a whole commit: workers go on preparing while the writer
	// commits and writes files.
	ready := make(chan preparedJob, 2*maxBatch)
	var stopped atomic.Bool
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := ctx.Err(); err != nil {
					ready <- preparedJob{job: j, err: err}
					continue
				}
				if stopped.Load() {
					// A store error ends the batch: no point making more keys.
					ready <- preparedJob{job: j, err: errBatchStopped}
					continue
				}
				iss, err := j.Prepare()
				ready <- preparedJob{job: j, issued: iss, err: err}
			}
		}()
	}
	go func() { wg.Wait(); close(ready) }()

	var storeErr error
	batch := make([]preparedJob, 0, maxBatch)
	for p := range ready {
		batch = append(batch[:0], p)
	drain:
		for len(batch) < maxBatch {
			select {
			case q, ok := <-ready:
				if !ok {
					break drain
				}
				batch = append(batch, q)
			default:
				break drain
			}
		}
		if storeErr != nil {
			for _, b := range batch {
				err := storeErr
				if b.err != nil && !errors.Is(b.err, errBatchStopped) {
					err = b.err
				}
				report(Result{Index: b.job.Index, Err: err})
			}
			continue
		}
		storeErr = commit(ctx, cfg.Store, batch, hook, report)
		if storeErr != nil {
			stopped.Store(true)
		}
	}
	return storeErr
}

// errBatchStopped marks the jobs a worker did not prepare after a store error.
var errBatchStopped = errors.New("ca: batch stopped")

type preparedJob struct {
	job    Job
	issued *Issued
	err    error
}

// commit records the prepared certificates of one batch and then writes their files.
func commit(ctx context.Context, st Store, batch []preparedJob, hook func(Stage), report func(Result)) error {
	var ok []int
	var issued []*Issued
	for k, b := range batch {
		if b.err != nil {
			report(Result{Index: b.job.Index, Err: b.err})
			continue
		}
		ok = append(ok, k)
		issued = append(issued, b.issued)
	}
	if len(issued) == 0 {
		return nil
	}
	hook(StageBeforeCommit)
	errs, err := Record(ctx, st, issued)
	if err != nil {
		for _, k := range ok {
			report(Result{Index: batch[k].job.Index, Err: err})
		}
		return err
	}
	hook(StageAfterCommit)
	// Files of the whole commit, written together with one sync.
	var files []pem.File
	names := make([][]string, len(ok))
	fileErr := make([]error, len(ok))
	for n, k := range ok {
		if errs[n] != nil || batch[k].job.Files == nil {
			continue
		}
		fs, err := batch[k].job.Files(issued[n])
		if err != nil {
			fileErr[n] = err
			continue
		}
		for _, f := range fs {
			names[n] = append(names[n], f.Path)
		}
		files = append(files, fs...)
	}
	var writeErr error
	if len(files) > 0 {
		writeErr = pem.WriteBatch(files...)
		if writeErr != nil {
			// Write one job at a time to know which ones failed.
			for n, k := range ok {
				if errs[n] == nil && fileErr[n] == nil && len(names[n]) > 0 {
					fs, _ := batch[k].job.Files(issued[n])
					fileErr[n] = writeMissing(fs)
				}
			}
		}
	}
	hook(StageAfterWrite)
	for n, k := range ok {
		r := Result{Index: batch[k].job.Index, Issued: issued[n], Files: names[n]}
		switch {
		case errs[n] != nil:
			r.Issued, r.Err = nil, errs[n]
		case fileErr[n] != nil:
			r.Err = &FileError{Serial: FormatSerial(issued[n].Record.Serial), Err: fileErr[n]}
		}
		report(r)
	}
	return nil
}

// writeMissing writes the files of one job after its batch failed to be
// written whole: files already there with this job's content are kept;
// others that may be replaced are written again; a NoReplace file (a key)
// that holds something else is an error (pem.ErrExists), never replaced.
func writeMissing(fs []pem.File) error {
	var todo []pem.File
	for _, f := range fs {
		if data, err := os.ReadFile(f.Path); err == nil && bytes.Equal(data, f.Data) {
			continue
		}
		todo = append(todo, f)
	}
	if len(todo) == 0 {
		return nil
	}
	return pem.WriteBatch(todo...)
}

// FileError reports a certificate that was recorded but whose files could
// not be written: it is in the store (and "ca list" shows it), so it is
// not lost, but its holder has no file.
type FileError struct {
	Serial string
	Err    error
}

func (e *FileError) Error() string {
	return "ca: certificate " + e.Serial + " was recorded but its files were not written: " + e.Err.Error()
}

func (e *FileError) Unwrap() error { return e.Err }
