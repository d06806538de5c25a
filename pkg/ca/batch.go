package ca

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Job is one certificate of a batch. Sign runs in a worker, outside any
// store transaction (key generation, judging, signing); Files names the files
// to write for the certificate (from the writer, or from the placer for a
// certificate signed again under a new serial: calls for different jobs may
// run at once).
type Job struct {
	Index int
	Sign  func() (*Issued, error)
	Files func(*Issued) ([]File, error)
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
	// MaxBatch caps how many certificates one transaction records; 0 means
	// 1024: large enough that the store's fsyncs are shared widely, small
	// enough that the files of two commits in flight (three a certificate)
	// wait as O_TMPFILE inodes within a common descriptor limit (see
	// place.Batch).
	MaxBatch int
	// Placer stages and places the files of the jobs; required when a Job
	// has Files.
	Placer Placer
	// OnResult is called for each job, from one goroutine, in commit order.
	OnResult func(Result)
	// Hook, when set, is called at each Stage of each commit (tests use it to
	// crash the process at a chosen instant), from the writer and the placer:
	// it must be safe for concurrent use.
	Hook func(Stage)
}

// RunBatch prepares jobs in parallel workers and records them with group
// commit, in a pipeline of three stages:
//
//   - workers prepare jobs (keys, judging, signing), outside any transaction;
//   - one writer takes every prepared certificate that is ready (up to
//     MaxBatch) and records them in one store transaction; while the
//     transaction commits, their files are written to temp files that no one
//     sees (Placer.Stage, then Staged.Sync);
//   - one placer, once the commit has returned, syncs those files and gives
//     them their names (Staged.Place: keys after the others), while the
//     writer records the next batch; it reports every job, in commit order.
//
// So a file appears under its name only after its certificate is recorded,
// and a process killed in between leaves no file (and no temp file, where
// the files wait as O_TMPFILE inodes; see place.Batch). A certificate whose
// serial was taken, signed again by Record under a new one, gets its files
// written anew by the placer. A job
// that fails does not stop the others. RunBatch returns when jobs is closed
// and every job is reported, or with the first store error (the jobs of that
// commit and the ones after it are reported with it).
func RunBatch(ctx context.Context, cfg BatchConfig, jobs <-chan Job) error {
	cfg = cfg.withDefaults()
	// Room for a whole commit: workers go on preparing while the writer
	// commits and the placer writes files.
	ready := make(chan preparedJob, 2*cfg.MaxBatch)
	var stopped atomic.Bool
	signJobs(ctx, cfg.Workers, jobs, ready, &stopped)
	// The placer places one commit while the writer records the next, which
	// then waits for it: at most two commits are recorded without files.
	committed := make(chan *commitment)
	placed := placeCommits(committed, cfg.Hook, cfg.OnResult)
	storeErr := recordCommits(ctx, cfg, ready, committed, &stopped)
	close(committed)
	<-placed
	return storeErr
}

// withDefaults fills the zero fields of cfg with their defaults.
func (cfg BatchConfig) withDefaults() BatchConfig {
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.NumCPU()
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 1024
	}
	if cfg.OnResult == nil {
		cfg.OnResult = func(Result) {}
	}
	if cfg.Hook == nil {
		cfg.Hook = func(Stage) {}
	}
	return cfg
}

// signJobs starts the workers: each signs the jobs it takes (Job.Sign) and
// sends them to ready, which is closed once jobs is drained. After a store
// error (stopped) or with ctx done, jobs are passed on unsigned.
func signJobs(ctx context.Context, workers int, jobs <-chan Job, ready chan<- preparedJob, stopped *atomic.Bool) {
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
				iss, err := j.Sign()
				ready <- preparedJob{job: j, issued: iss, err: err}
			}
		}()
	}
	go func() { wg.Wait(); close(ready) }()
}

// placeCommits starts the placer: it places the files of each recorded
// commit and reports its jobs; the returned channel is closed when
// committed is closed and drained.
func placeCommits(committed <-chan *commitment, hook func(Stage), report func(Result)) <-chan struct{} {
	placed := make(chan struct{})
	go func() {
		defer close(placed)
		for c := range committed {
			c.finish(hook, report)
		}
	}()
	return placed
}

// recordCommits is the writer: it groups the signed jobs that are ready
// into commits of at most cfg.MaxBatch, records each and hands it to the
// placer. After a store error it records nothing more and returns it.
func recordCommits(ctx context.Context, cfg BatchConfig, ready <-chan preparedJob, committed chan<- *commitment, stopped *atomic.Bool) error {
	var storeErr error
	for p := range ready {
		c := &commitment{batch: gather(p, ready, cfg.MaxBatch), storeErr: storeErr, placer: cfg.Placer}
		if storeErr == nil {
			storeErr = c.record(ctx, cfg.Store, cfg.Hook)
			if storeErr != nil {
				stopped.Store(true)
			}
		}
		committed <- c
	}
	return storeErr
}

// gather returns first and the jobs already waiting in ready, up to max.
func gather(first preparedJob, ready <-chan preparedJob, max int) []preparedJob {
	batch := []preparedJob{first}
	for len(batch) < max {
		select {
		case q, ok := <-ready:
			if !ok {
				return batch
			}
			batch = append(batch, q)
		default:
			return batch
		}
	}
	return batch
}

// errBatchStopped marks the jobs a worker did not prepare after a store error.
var errBatchStopped = errors.New("ca: batch stopped")

type preparedJob struct {
	job    Job
	issued *Issued
	err    error
}

// commitment is one group commit on its way through the writer and the placer.
type commitment struct {
	batch    []preparedJob
	storeErr error   // a store error of this commit or an earlier one: every job fails with it
	ok       []int   // the jobs of batch that were prepared, in order
	recErrs  []error // Record's error for each of ok
	placer   Placer
	files    Staged     // the files of the recorded jobs, staged
	names    [][]string // the paths of each of ok's files
	fileErr  []error    // an error making each of ok's files (their job number for the Placer is their index in ok)
	resigned []int      // the indexes in ok whose certificate Record signed again: their files are stale
}

// record writes the files of the prepared certificates of the batch to
// temps, then records in one transaction those whose files could be
// written, while the files are synced: a full disk or a read-only
// directory fails its jobs before anything is recorded (SPEC.md, Bad input).
func (c *commitment) record(ctx context.Context, st Store, hook func(Stage)) error {
	var all [][]File
	for k, b := range c.batch {
		if b.err != nil {
			continue
		}
		n := len(c.ok)
		c.ok = append(c.ok, k)
		c.names = append(c.names, nil)
		c.fileErr = append(c.fileErr, nil)
		all = append(all, c.jobFiles(n))
	}
	if len(c.ok) == 0 {
		return nil
	}
	c.recErrs = make([]error, len(c.ok))
	c.files = c.stage(all) // errors are the files': their jobs are not recorded
	var issued []*Issued
	var recorded []int // the index in ok of each of issued
	for n, k := range c.ok {
		err := c.fileErr[n]
		if err == nil {
			err = c.files.SetErr(n)
		}
		if err != nil {
			c.recErrs[n] = fmt.Errorf("%w; the certificate was not recorded", err)
			c.files.Skip(n)
			continue
		}
		issued = append(issued, c.batch[k].issued)
		recorded = append(recorded, n)
	}
	if len(issued) == 0 {
		return nil
	}
	synced := make(chan struct{})
	go func() {
		defer close(synced)
		c.files.Sync() // errors are the files', reported by finish
	}()
	hook(StageBeforeCommit)
	errs, err := Record(ctx, st, issued)
	<-synced
	if err != nil {
		c.storeErr = err
		c.files.Close()
		return err
	}
	for j, n := range recorded {
		c.recErrs[n] = errs[j]
		if k := c.ok[n]; issued[j] != c.batch[k].issued {
			c.batch[k].issued = issued[j]
			c.resigned = append(c.resigned, n)
		}
	}
	hook(StageAfterCommit)
	return nil
}

// finish places the files of a recorded commit and reports every job of it.
func (c *commitment) finish(hook func(Stage), report func(Result)) {
	for _, b := range c.batch {
		switch {
		case c.storeErr != nil && (b.err == nil || errors.Is(b.err, errBatchStopped)):
			report(Result{Index: b.job.Index, Err: c.storeErr})
		case b.err != nil:
			report(Result{Index: b.job.Index, Err: b.err})
		}
	}
	if c.storeErr != nil || len(c.ok) == 0 {
		return
	}
	// A job refused by Record gets no file; one it signed again gets new ones.
	for n, err := range c.recErrs {
		if err != nil {
			c.names[n] = nil
			c.files.Skip(n)
		}
	}
	for _, n := range c.resigned {
		c.files.Skip(n)
	}
	c.files.Place() // errors are the files', reported below
	c.files.Close()
	c.rewrite()
	hook(StageAfterWrite)
	for n, k := range c.ok {
		iss := c.batch[k].issued
		r := Result{Index: c.batch[k].job.Index, Issued: iss, Files: c.names[n]}
		err := c.fileErr[n]
		if err == nil {
			err = c.files.SetErr(n)
		}
		switch {
		case c.recErrs[n] != nil:
			r.Issued, r.Err = nil, c.recErrs[n]
		case err != nil:
			r.Err = &FileError{Serial: FormatSerial(iss.Record.Serial), Err: err}
		}
		report(r)
	}
}

// rewrite writes the files of the certificates Record signed again under a
// new serial: the ones written during the commit hold the certificate
// whose serial was taken, which is not recorded.
func (c *commitment) rewrite() {
	all := make([][]File, len(c.ok))
	some := false
	for _, n := range c.resigned {
		c.names[n] = nil
		if c.recErrs[n] == nil {
			all[n] = c.jobFiles(n)
			some = some || len(all[n]) > 0
		}
	}
	if !some {
		return
	}
	again := c.stage(all)
	defer again.Close()
	again.Place()
	for _, n := range c.resigned {
		if c.fileErr[n] == nil {
			c.fileErr[n] = again.SetErr(n)
		}
	}
}

// jobFiles returns the files of the nth prepared job, noting their paths,
// or notes why they could not be made.
func (c *commitment) jobFiles(n int) []File {
	b := c.batch[c.ok[n]]
	if b.job.Files == nil {
		return nil
	}
	fs, err := b.job.Files(b.issued)
	if err == nil && len(fs) > 0 && c.placer == nil {
		err = errNoPlacer
	}
	if err != nil {
		c.fileErr[n] = err
		return nil
	}
	for _, f := range fs {
		c.names[n] = append(c.names[n], f.Path)
	}
	return fs
}

// stage hands the files of a commit to the Placer (none: a Staged with
// nothing in it).
func (c *commitment) stage(all [][]File) Staged {
	if c.placer == nil {
		return noFiles{}
	}
	return c.placer.Stage(all)
}

// errNoPlacer is a job's error when it has files and BatchConfig has no Placer.
var errNoPlacer = errors.New("ca: the batch has no Placer for the files of a job")

// noFiles is what a batch without a Placer stages: nothing.
type noFiles struct{}

func (noFiles) SetErr(int) error { return nil }
func (noFiles) Skip(int)         {}
func (noFiles) Sync() error      { return nil }
func (noFiles) Place() error     { return nil }
func (noFiles) Close()           {}

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
