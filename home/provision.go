package home

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/place"
)

// ProvisionConfig is a run of "ca issue": which issuer signs, where the
// keys and certificates go (NAME.key, NAME.crt, NAME.chain.pem; see
// ca.ProvisionFiles) and how the new keys are encrypted.
type ProvisionConfig struct {
	Issuer string // "" is the default issuer
	Dir    string // created when missing
	// Passphrase encrypts the new keys; nil leaves them unencrypted.
	Passphrase []byte
	// Workers make keys and sign in parallel; 0 means one per CPU.
	Workers int
	// CheckFiles, when set, vets the files of Provision before anything is
	// made and again with the store held (the caller's rules for the files
	// it is asked to write).
	CheckFiles func(files ...place.File) error
}

// Provisioned is one certificate made by Provision, and its files.
type Provisioned struct {
	Issued           *ca.Issued
	Issuer           string
	Key, Cert, Chain string
}

// ErrSkipped marks a manifest row whose key file exists: an earlier run did it.
var ErrSkipped = errors.New("skipped: its key file exists")

// Provision makes a key and a certificate for req (ca.Issuer.SignNewKey),
// records it and writes its files, named after its CN (ca.FileName), the key
// last. A file that exists and may not be replaced is refused before the
// key is made.
func (h *Home) Provision(ctx context.Context, cfg ProvisionConfig, req ca.KeyRequest) (*Provisioned, error) {
	name := ca.FileName(req.Subject.CommonName)
	check := func() error {
		if cfg.CheckFiles == nil {
			return nil
		}
		return cfg.CheckFiles(PlaceFiles(ca.ProvisionFiles(cfg.Dir, name, &x509.Certificate{}, nil, nil), 0)...)
	}
	if err := check(); err != nil {
		return nil, err
	}
	p, err := h.startProvision(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer p.iss.Close()
	// Again with the store held: another "ca issue" of the same name may
	// have written its files while this one waited for the store.
	if err := check(); err != nil {
		return nil, err
	}
	var res ca.Result
	err = p.batch(ctx, 1, func(jobs chan<- ca.Job) { jobs <- p.job(0, req, name) }, func(r ca.Result) { res = r })
	if err = cmp.Or(err, res.Err); err != nil {
		return nil, err
	}
	return &Provisioned{Issued: res.Issued, Issuer: p.iss.Name(), Cert: res.Files[0], Chain: res.Files[1], Key: res.Files[2]}, nil
}

// RowResult is what became of one row of a manifest: Err is nil when it was
// issued, ErrSkipped when an earlier run did it, a *ca.ManifestError when
// the row does not parse.
type RowResult struct {
	Line   int
	CN     string
	Issued *ca.Issued
	Err    error
}

// ManifestReport sums up a ProvisionManifest run.
type ManifestReport struct {
	Issued, Skipped int
	// Failures are the rows that failed, by line.
	Failures []RowResult
}

// ProvisionManifest issues every row of the manifest mr as Provision does,
// streaming it: rows are read as the workers take them, never all at once.
// def gives the key type, profile and validity of rows without them. A row
// whose NAME.key is a regular file in cfg.Dir is skipped (ErrSkipped); one
// whose files are no regular files, or whose NAME an earlier row took,
// fails (ca.ErrExists). A bad row does not stop the others. Each row is
// passed to progress, when set, from one goroutine as it is done. The
// report is nil when the run did not start (the issuer, the directory);
// with a report, the error is one that ended the run early (the store,
// reading the manifest).
func (h *Home) ProvisionManifest(ctx context.Context, cfg ProvisionConfig, mr *ca.ManifestReader, def ca.KeyRequest, progress func(RowResult)) (*ManifestReport, error) {
	p, err := h.startProvision(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer p.iss.Close()
	done, err := rowsOnDisk(cfg.Dir)
	if err != nil {
		return nil, err
	}
	rows := &rowTracker{rows: map[int]RowResult{}}
	rep := &ManifestReport{Failures: []RowResult{}}
	var readErr error
	feed := func(jobs chan<- ca.Job) { readErr = p.feedManifest(ctx, mr, def, done, rows, jobs) }
	batchErr := p.batch(ctx, cfg.Workers, feed, func(r ca.Result) {
		row := rows.result(r)
		switch {
		case row.Err == nil:
			rep.Issued++
		case errors.Is(row.Err, ErrSkipped):
			rep.Skipped++
		default:
			rep.Failures = append(rep.Failures, row)
		}
		if progress != nil {
			progress(row)
		}
	})
	slices.SortFunc(rep.Failures, func(a, b RowResult) int { return a.Line - b.Line })
	return rep, cmp.Or(batchErr, readErr)
}

// provisioner is an issuer ready to provision into one directory.
type provisioner struct {
	cfg   ProvisionConfig
	iss   *Issuer
	inter []*x509.Certificate
	hook  func(ca.Stage)
}

// startProvision loads the issuer, checks that it is not revoked and
// creates the directory.
func (h *Home) startProvision(ctx context.Context, cfg ProvisionConfig) (*provisioner, error) {
	iss, err := h.LoadIssuer(ctx, cfg.Issuer)
	if err != nil {
		return nil, err
	}
	if err := iss.CheckNotRevoked(ctx); err != nil {
		iss.Close()
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		iss.Close()
		return nil, fmt.Errorf("create --out-dir: %w", err)
	}
	return &provisioner{cfg: cfg, iss: iss, inter: iss.Intermediates(), hook: h.cfg.Hook}, nil
}

// job makes the key and certificate of req in a worker and names its files.
func (p *provisioner) job(index int, req ca.KeyRequest, name string) ca.Job {
	var keyPEM []byte
	return ca.Job{
		Index: index,
		Sign: func() (*ca.Issued, error) {
			k, err := p.iss.SignNewKey(req, p.cfg.Passphrase)
			if err != nil {
				return nil, err
			}
			keyPEM = k.KeyPEM
			return k.Issued, nil
		},
		Files: func(iss *ca.Issued) ([]ca.File, error) {
			return ca.ProvisionFiles(p.cfg.Dir, name, iss.Cert, p.inter, keyPEM), nil
		},
	}
}

// failedJob reports err for a row without doing any work.
func failedJob(index int, err error) ca.Job {
	return ca.Job{Index: index, Sign: func() (*ca.Issued, error) { return nil, err }}
}

// batch runs the pipeline: feed sends the jobs, report gets each result.
func (p *provisioner) batch(ctx context.Context, workers int, feed func(chan<- ca.Job), report func(ca.Result)) error {
	jobs := make(chan ca.Job, 64)
	go func() {
		defer close(jobs)
		feed(jobs)
	}()
	return ca.RunBatch(ctx, ca.BatchConfig{Store: p.iss.Store, Placer: Placer{}, Workers: workers, OnResult: report, Hook: p.hook}, jobs)
}

// feedManifest reads the rows and sends a job for each: rows that do not
// parse, repeat an earlier row's NAME or are already done become jobs that
// only report so. It returns the error that ended the reading early, if any.
func (p *provisioner) feedManifest(ctx context.Context, mr *ca.ManifestReader, def ca.KeyRequest, done map[string]error, rows *rowTracker, jobs chan<- ca.Job) error {
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
			rows.track(index, me.Line, me.CN)
			job = failedJob(index, err)
		case err != nil:
			return err
		default:
			rows.track(index, row.Line, row.CN)
			job = p.rowJob(index, row, def, names, done)
		}
		select {
		case jobs <- job:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// rowJob is the job of one parsed row.
func (p *provisioner) rowJob(index int, row *ca.ManifestRow, def ca.KeyRequest, names map[string]int, done map[string]error) ca.Job {
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
		return failedJob(index, cmp.Or(err, ErrSkipped))
	}
	return p.job(index, req, name)
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
				rows[base] = place.CheckWritable(filepath.Join(dir, e.Name()), ext == ".key")
			case ext == ".key" && rows[base] == nil:
				rows[base] = nil
			}
		}
	}
	return rows, nil
}

// rowTracker remembers the line and CN of the rows in flight, by job index.
type rowTracker struct {
	mu   sync.Mutex
	rows map[int]RowResult
}

func (t *rowTracker) track(index, line int, cn string) {
	t.mu.Lock()
	t.rows[index] = RowResult{Line: line, CN: cn}
	t.mu.Unlock()
}

// result is the RowResult of a job's result; the row is no longer in flight.
func (t *rowTracker) result(r ca.Result) RowResult {
	t.mu.Lock()
	row := t.rows[r.Index]
	delete(t.rows, r.Index)
	t.mu.Unlock()
	row.Issued, row.Err = r.Issued, r.Err
	return row
}

// CountRows returns the number of data rows of the manifest file path (its
// lines less the header, for a progress bar), or -1 when it cannot tell
// (not a regular file).
func CountRows(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return -1
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return -1
	}
	buf := make([]byte, 1<<16)
	var n int64
	for {
		k, err := f.Read(buf)
		for _, b := range buf[:k] {
			if b == '\n' {
				n++
			}
		}
		if err != nil {
			break
		}
	}
	return max(n-1, 0)
}
