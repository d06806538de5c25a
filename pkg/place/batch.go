package place

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"sync"
)

// WriteBatch writes files atomically, as a Batch does (Write, then Place),
// and returns the errors of the files that could not be written or placed.
// On error the files already placed stay; a file whose data could not be
// written is not placed, nor are the other files of its Set.
func WriteBatch(files ...File) error {
	b := NewBatch(files...)
	defer b.Close()
	if err := b.Write(); err != nil {
		return err
	}
	return b.Place()
}

// Batch is files written in two steps, so that the writing can go on while
// something else is made durable (a store transaction) and the names
// appear only after it:
//
//   - Write stages each file's data in a temp file that no one sees: on
//     Linux an O_TMPFILE inode without a name, which the kernel drops if
//     the process dies, so nothing is left to clean; elsewhere (and where
//     the file system has no O_TMPFILE) a hidden temp file next to the
//     target, which the next run that writes in that directory removes
//     once it is an hour old. A full disk or a read-only directory shows
//     here, before the caller commits anything.
//   - Sync syncs a few files (up to 16) one by one, in parallel; it may run
//     while the caller commits.
//   - Place syncs the data of many files (on Linux with one syncfs per file
//     system; elsewhere each file was synced by Write), then gives each
//     file its name (link, or rename over a file that may be replaced),
//     in two steps: first every file that may be replaced (certificates,
//     chains), then, once their directories are synced, every NoReplace
//     file (keys), never replacing anything: a key that exists is
//     ErrExists. A key on disk thus means the other files of its Set were
//     placed before it: a caller that writes NAME.crt and NAME.key together
//     can take an existing NAME.key as proof that NAME.crt is whole.
//
// What each operating system gives for these steps is in docs/decisions.md
// ("One file placer").
//
// A file whose data could not be written is not placed, nor is any other
// file of its Set; nor is a Set whose NoReplace file's name is taken when
// Place starts (a key another process placed after the caller's check
// keeps the certificate it came with). Beyond that nothing is checked up
// front (the caller has, with CheckWritable; a link never replaces and a
// rename never follows a symlink); a failed placing is explained as
// CheckWritable does (ErrNotRegular for a directory in the way). A
// directory that cannot be synced fails the files placed in it: their
// names are there, but may not survive a crash. Close releases what was
// not placed. A Batch is used by one goroutine at a time.
type Batch struct {
	files  []File
	temps  []temp
	errs   []error
	dirs   map[string]*dir // open directories, by path; nil for one that could not be opened
	each   bool            // synced file by file in Sync, else in Write or with one syncfs in Place
	anon   int             // descriptors reserved for O_TMPFILE inodes (reserveAnon)
	synced bool            // Sync has run
}

// syncEachMax is the largest batch whose files are synced one by one, in
// Sync: below it, parallel fsyncs cost less than a syncfs on a busy file
// system, and the temp files can stay open until then.
const syncEachMax = 16

// batchWriters is how many goroutines create and place the files of a
// batch: the kernel's waits (inode allocation, directory blocks) overlap.
const batchWriters = 8

// errSetFailed marks a file not placed because another file of its Set
// failed, or because its Set was skipped.
var errSetFailed = errors.New("place: not placed with its set")

// errNoTmpfile is createAnon's answer where the file system (or the
// system) has no O_TMPFILE: the caller stages a named temp file instead.
var errNoTmpfile = errors.New("place: no O_TMPFILE here")

// NewBatch returns a Batch of files; nothing is written until Write.
func NewBatch(files ...File) *Batch {
	b := &Batch{files: files, temps: make([]temp, len(files)), errs: make([]error, len(files)),
		dirs: map[string]*dir{}, each: len(files) <= syncEachMax}
	for i := range b.temps {
		b.temps[i] = newTemp()
	}
	return b
}

// Write writes every file's data to its temp file, unsynced (but a
// stream's, and on a system without syncfs a large batch's), and returns
// the errors of those it could not write.
func (b *Batch) Write() error {
	dirErrs := map[string]error{}
	for i, f := range b.files {
		path := filepath.Dir(f.Path)
		if _, ok := b.dirs[path]; !ok {
			d, err := openDir(path)
			if err != nil {
				dirErrs[path] = err
			}
			b.dirs[path] = d
		}
		if err := dirErrs[path]; err != nil {
			b.errs[i] = fmt.Errorf("place: write %s: %w", f.Path, err)
		}
	}
	anon := tmpfileUsable()
	if anon && reserveAnon(len(b.files)) {
		b.anon = len(b.files)
	} else {
		anon = false
	}
	parallel(len(b.files), func(i int) {
		if b.errs[i] == nil {
			b.errs[i] = b.writeTemp(i, anon)
		}
	})
	return b.err()
}

// Sync syncs the files of a small batch one by one, in parallel (a large
// one is synced by Write or in Place), and returns the errors of those it
// could not sync.
func (b *Batch) Sync() error {
	if !b.each || b.synced {
		return b.err()
	}
	b.synced = true
	parallel(len(b.files), func(i int) {
		t := &b.temps[i]
		if b.errs[i] != nil || !t.open() {
			return // failed, or a stream (synced as it was written)
		}
		if err := t.sync(); err != nil {
			b.errs[i] = fmt.Errorf("place: write %s: %w", b.files[i].Path, err)
		}
		if !t.anon {
			t.close() // a named temp needs no descriptor to be renamed
		}
	})
	return b.err()
}

// Place syncs the data written by Write (unless Sync or Write did) and
// gives each file its name, as described on Batch, and returns the errors
// of the files it could not place (the others are in place).
func (b *Batch) Place() error {
	b.Sync() // for a small batch, unless the caller did; its errors stay in b.errs
	if !b.each && haveSyncFS {
		if err := syncFS(b.dirs); err != nil {
			for i := range b.errs {
				if b.errs[i] == nil {
					b.errs[i] = err
				}
			}
			return err // the cause of every file's error, once
		}
	}
	b.claimed()
	b.placeStep(false)
	b.placeStep(true)
	return b.err()
}

// claimed fails, before anything is placed, each NoReplace file whose name
// is already taken, and so its whole Set: a key that appeared since the
// caller's check (another process's) keeps its certificate, never
// replaced by one that does not match it. A file with a Check is checked
// again too: what took its name since the caller's check must pass it.
func (b *Batch) claimed() {
	for i, f := range b.files {
		switch {
		case b.errs[i] != nil:
		case f.NoReplace:
			b.errs[i] = CheckWritable(f.Path, true)
		case f.Check != nil:
			b.errs[i] = CheckFile(f)
		}
	}
}

// Skip keeps the files of a Set from being placed (call it before Place).
func (b *Batch) Skip(set int) {
	for i, f := range b.files {
		if f.Set == set && b.errs[i] == nil {
			b.errs[i] = errSetFailed
		}
	}
}

// SetErr returns why the files of a Set were not all written or placed, or nil.
func (b *Batch) SetErr(set int) error {
	for i, f := range b.files {
		if f.Set == set && b.errs[i] != nil && b.errs[i] != errSetFailed {
			return b.errs[i]
		}
	}
	return nil
}

// Close releases the temp files that were not placed (an O_TMPFILE inode
// goes with its last descriptor, a named temp file is removed) and the
// directories.
func (b *Batch) Close() {
	for i := range b.temps {
		t := &b.temps[i]
		t.close()
		if t.name != "" {
			if d := b.dirs[filepath.Dir(b.files[i].Path)]; d != nil {
				d.remove(t.name)
			}
		}
		b.temps[i] = newTemp()
	}
	for path, d := range b.dirs {
		if d != nil {
			d.close()
		}
		delete(b.dirs, path)
	}
	releaseAnon(b.anon)
	b.anon = 0
}

// err joins the errors of the files.
func (b *Batch) err() error {
	var errs []error
	for _, err := range b.errs {
		if err != nil && err != errSetFailed {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// placeStep places the files of one step (keys: the NoReplace ones) whose
// Set has no error so far, then syncs their directories.
func (b *Batch) placeStep(keys bool) {
	failed := map[int]bool{}
	for i, err := range b.errs {
		if err != nil {
			failed[b.files[i].Set] = true
		}
	}
	var todo []int
	for i, f := range b.files {
		switch {
		case f.NoReplace != keys || b.errs[i] != nil:
		case failed[f.Set]:
			b.errs[i] = errSetFailed
		default:
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		return
	}
	parallel(len(todo), func(k int) { b.errs[todo[k]] = b.place(todo[k]) })
	synced := map[string]bool{}
	for _, i := range todo {
		path := filepath.Dir(b.files[i].Path)
		if b.errs[i] != nil || synced[path] {
			continue
		}
		synced[path] = true
		if err := b.dirs[path].sync(); err != nil {
			err = fmt.Errorf("place: sync %s: %w", path, err)
			for _, j := range todo {
				if filepath.Dir(b.files[j].Path) == path && b.errs[j] == nil {
					b.errs[j] = err
				}
			}
		}
	}
}

// writeTemp writes file i's data to a temp file: an O_TMPFILE inode when
// anon (and the file system has them), else a hidden file named after the
// target. The mode is given at creation, where the umask can only narrow
// it.
func (b *Batch) writeTemp(i int, anon bool) error {
	f := b.files[i]
	d := b.dirs[filepath.Dir(f.Path)]
	t := &b.temps[i]
	mode := f.Mode.Perm()
	if mode == 0 {
		mode = 0o644
	}
	err := errNoTmpfile
	if anon {
		err = d.createAnon(t, mode)
	}
	if errors.Is(err, errNoTmpfile) {
		err = b.createNamed(d, t, filepath.Base(f.Path), mode)
	}
	if err == nil {
		err = b.fill(t, f)
	}
	if err != nil {
		return fmt.Errorf("place: write %s: %w", f.Path, err)
	}
	return nil
}

// createNamed creates a hidden temp file next to base, sweeping the
// directory of old ones the first time this process does.
func (b *Batch) createNamed(d *dir, t *temp, base string, mode fs.FileMode) error {
	sweepOnce(d.path)
	for try := 0; ; try++ {
		err := d.createNamed(t, tempName(base), mode)
		if errors.Is(err, fs.ErrExist) && try < 100 {
			continue
		}
		return err
	}
}

// fill writes f's data (or its stream) to t. A small batch keeps the
// descriptor for Sync; a large one syncs now where there is no syncfs,
// and closes a named temp file (an O_TMPFILE inode keeps its descriptor
// until it is linked).
func (b *Batch) fill(t *temp, f File) error {
	if f.fill != nil {
		return fillStream(t, f)
	}
	if err := t.write(f.Data); err != nil {
		return err
	}
	if b.each {
		return nil // synced (and a named temp closed) by Sync
	}
	if !haveSyncFS {
		if err := t.sync(); err != nil {
			return err
		}
	}
	if t.anon {
		return nil
	}
	return t.close()
}

// fillStream writes a WriteStream file's content into t, syncs it and,
// unless it is an O_TMPFILE inode, closes it.
func fillStream(t *temp, f File) error {
	w, err := t.stream(f.Path)
	if err != nil {
		return err
	}
	err = f.fill(w)
	if err == nil {
		err = w.Sync()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// place gives file i its name (see the per-system dir.place).
func (b *Batch) place(i int) error {
	f := b.files[i]
	err := b.dirs[filepath.Dir(f.Path)].place(&b.temps[i], filepath.Base(f.Path), f.NoReplace)
	if err == nil {
		return nil
	}
	if cerr := CheckWritable(f.Path, f.NoReplace); cerr != nil {
		return cerr // a key in the way, or a directory or device: say so
	}
	return fmt.Errorf("place: write %s: %w", f.Path, err)
}

// tempName is a hidden name next to base, for a temp file.
func tempName(base string) string {
	return "." + base + tempMark + strconv.FormatUint(uint64(rand.Uint32()), 36)
}

// parallel runs fn(0..n-1) on up to batchWriters goroutines.
func parallel(n int, fn func(i int)) {
	workers := min(batchWriters, n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				fn(i)
			}
		}()
	}
	wg.Wait()
}
