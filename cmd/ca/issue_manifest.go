package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// errSkipped marks a manifest row whose key file exists: done by an earlier run.
var errSkipped = errors.New("skipped: its key file exists")

// runIssueManifest issues every row of --manifest, streaming it: rows are
// read as the workers take them, never all at once.
func runIssueManifest(ctx context.Context, g *globals, o *issueOptions, def ca.KeyRequest, pass []byte) error {
	in, total, err := g.openManifest(o.manifest)
	if err != nil {
		return err
	}
	defer in.Close()
	mr, err := ca.NewManifestReader(in)
	if err != nil {
		return err
	}
	run, err := g.startIssue(ctx, o, o.outDir, pass)
	if err != nil {
		return err
	}
	defer run.close()
	done, err := rowsOnDisk(o.outDir)
	if err != nil {
		return err
	}
	// A batch makes much short-lived garbage (keys, templates, DER) and
	// little that lives: collect less often, at the cost of some memory.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	sum := &issueSummary{rows: map[int]rowInfo{}, Failures: []issueFailure{}, bar: g.newIssueProgress(total)}
	var readErr error
	feed := func(jobs chan<- ca.Job) { readErr = run.feedManifest(ctx, mr, def, done, sum, jobs) }
	batchErr := run.batch(ctx, o.workers, feed, sum.report)
	if sum.bar != nil {
		sum.bar.Finish()
	}
	slices.SortFunc(sum.Failures, func(a, b issueFailure) int { return a.Line - b.Line })
	if err := g.render(sum); err != nil {
		return err
	}
	switch {
	case batchErr != nil:
		return batchErr
	case readErr != nil:
		return readErr
	case sum.worst != exitOK:
		return &exitError{code: sum.worst, msg: fmt.Sprintf("%d of %d rows failed; see the summary", sum.Failed, sum.Issued+sum.Skipped+sum.Failed)}
	}
	return nil
}

// openManifest opens path ("-" is stdin) and counts its rows for the
// progress bar (-1 when it cannot tell, or no bar is shown).
func (g *globals) openManifest(path string) (io.ReadCloser, int64, error) {
	if path == "-" {
		return io.NopCloser(g.stdin), -1, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("open manifest: %w", err)
	}
	total := int64(-1)
	if _, ok := g.stderrTerminal(); ok {
		total = countLines(path)
	}
	return f, total, nil
}

// feedManifest reads the rows and sends a job for each: rows that do not
// parse, repeat an earlier row's NAME or are already done become jobs that
// only report so. It returns the error that ended the reading early, if any.
func (r *issueRun) feedManifest(ctx context.Context, mr *ca.ManifestReader, def ca.KeyRequest, done map[string]error, sum *issueSummary, jobs chan<- ca.Job) error {
	names := map[string]int{} // NAME -> line of its first row
	for index := 0; ; index++ {
		row, err := mr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var job ca.Job
		var me *ca.ManifestError
		switch {
		case errors.As(err, &me):
			sum.track(index, me.Line, me.CN)
			job = failedJob(index, err)
		case err != nil:
			return err
		default:
			sum.track(index, row.Line, row.CN)
			job = r.rowJob(index, row, def, names, done)
		}
		select {
		case jobs <- job:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// rowJob is the job of one parsed row.
func (r *issueRun) rowJob(index int, row *ca.ManifestRow, def ca.KeyRequest, names map[string]int, done map[string]error) ca.Job {
	req, err := row.KeyRequest(def)
	if err != nil {
		return failedJob(index, err)
	}
	name := ca.FileName(row.CN)
	if first, ok := names[name]; ok {
		return failedJob(index, fmt.Errorf("%w: file name %q is taken by line %d (NAME is the CN with characters outside A-Za-z0-9._- replaced by _)", ca.ErrExists, name, first))
	}
	names[name] = row.Line
	if err, ok := done[name]; ok {
		return failedJob(index, cmp.Or(err, errSkipped))
	}
	return r.job(index, req, name)
}

// rowsOnDisk lists dir once (cheaper than a lookup per row) for what an
// earlier run left: NAME maps to nil when NAME.key is a regular file (the
// row is done), or to the error of a NAME.crt, NAME.chain.pem or NAME.key
// that is no regular file (a symlink, dangling or not, a FIFO, a
// directory), which the row must not write through or take for done.
func rowsOnDisk(dir string) (map[string]error, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list --out-dir: %w", err)
	}
	rows := make(map[string]error, len(entries)/3)
	for _, e := range entries {
		for _, ext := range []string{".key", ".crt", ".chain.pem"} {
			base, ok := strings.CutSuffix(e.Name(), ext)
			switch {
			case !ok || base == "":
			case !e.Type().IsRegular():
				rows[base] = pem.CheckWritable(filepath.Join(dir, e.Name()), ext == ".key")
			case ext == ".key" && rows[base] == nil:
				rows[base] = nil
			}
		}
	}
	return rows, nil
}

// rowInfo is what the summary says of a row.
type rowInfo struct {
	line int
	cn   string
}

// issueSummary counts the results of a manifest; its JSON is the -o json output.
type issueSummary struct {
	Issued   int            `json:"issued"`
	Skipped  int            `json:"skipped"`
	Failed   int            `json:"failed"`
	Failures []issueFailure `json:"failures"`

	mu    sync.Mutex
	rows  map[int]rowInfo // rows in flight, by job index
	worst int
	bar   *batchProgress
}

// issueFailure is one failed row.
type issueFailure struct {
	Line     int    `json:"line"`
	CN       string `json:"cn"`
	Error    string `json:"error"`
	ExitCode int    `json:"exitCode"`
}

func (s *issueSummary) track(index, line int, cn string) {
	s.mu.Lock()
	s.rows[index] = rowInfo{line: line, cn: cn}
	s.mu.Unlock()
}

// report takes the result of one row (RunBatch calls it from one goroutine).
func (s *issueSummary) report(r ca.Result) {
	s.mu.Lock()
	info := s.rows[r.Index]
	delete(s.rows, r.Index)
	s.mu.Unlock()
	switch {
	case r.Err == nil:
		s.Issued++
	case errors.Is(r.Err, errSkipped):
		s.Skipped++
	default:
		s.Failed++
		code := exitCode(r.Err)
		s.worst = max(s.worst, code)
		reason := r.Err
		var me *ca.ManifestError
		if errors.As(reason, &me) {
			reason = me.Err // the line is in the summary already
		}
		s.Failures = append(s.Failures, issueFailure{Line: info.line, CN: info.cn, Error: message(reason), ExitCode: code})
	}
	if s.bar != nil {
		s.bar.Add(1)
	}
}

func (s *issueSummary) text(w io.Writer) {
	fmt.Fprintf(w, "issued %d, skipped %d, failed %d\n", s.Issued, s.Skipped, s.Failed)
	for _, f := range s.Failures {
		// One line per row: a CN with control characters quoted (a cell
		// could otherwise clear the screen or forge lines), a reason over
		// several lines joined.
		fmt.Fprintf(w, "  line %d (%s): exit %d: %s\n", f.Line, printable(f.CN), f.ExitCode, printable(strings.ReplaceAll(f.Error, "\n", "; ")))
	}
}
