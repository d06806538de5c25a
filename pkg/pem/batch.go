package pem

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
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
//   - Write puts each file's data in a temp file that no one sees: an
//     O_TMPFILE inode without a name, which the kernel drops if the process
//     dies, so nothing is left to clean (where the file system cannot, a
//     hidden temp file next to the target). A full disk or a read-only
//     directory shows here, before the caller commits anything.
//   - Sync syncs a few files (up to 16) one by one, in parallel; it may run
//     while the caller commits.
//   - Place syncs the data of many files with one syncfs, then gives each
//     file its name (link, or rename over a file that may be replaced),
//     in two steps: first every file that may be replaced (certificates,
//     chains), then, once their directories are synced, every NoReplace
//     file (keys), never replacing anything: a key that exists is
//     ErrExists. A key on disk thus means the other files of its Set were
//     placed before it: a caller that writes NAME.crt and NAME.key together
//     can take an existing NAME.key as proof that NAME.crt is whole.
//
// A file whose data could not be written is not placed, nor is any other
// file of its Set; nor is a Set whose NoReplace file's name is taken when
// Place starts (a key another process placed after the caller's check
// keeps the certificate it came with). Beyond that nothing is checked up
// front (the caller has, with CheckWritable; a link never replaces and a
// rename never follows a symlink); a failed placing is explained as CheckWritable does
// (ErrNotRegular for a directory in the way). A directory that cannot be
// synced fails the files placed in it: their names are there, but may not
// survive a crash. Close releases what was not placed. A Batch is used by
// one goroutine at a time.
type Batch struct {
	files  []File
	temps  []temp
	errs   []error
	dirs   map[string]int // open directories, by path
	each   bool           // synced file by file in Sync, else with one syncfs in Place
	anon   int            // descriptors reserved for O_TMPFILE inodes (reserveAnon)
	synced bool           // Sync has run
}

// temp is where one file's data waits for its name.
type temp struct {
	fd   int    // an open O_TMPFILE inode, or -1
	name string // a named temp file in the target's directory, or ""
	open int    // the named temp file's descriptor, kept for Sync in a small batch, or -1
}

// syncEachMax is the largest batch whose files are synced one by one:
// below it, parallel fsyncs cost less than a syncfs on a busy file system.
const syncEachMax = 16

// batchWriters is how many goroutines create and place the files of a
// batch: the kernel's waits (inode allocation, directory blocks) overlap.
const batchWriters = 8

// errSetFailed marks a file not placed because another file of its Set
// failed, or because its Set was skipped.
var errSetFailed = errors.New("pem: not placed with its set")

// NewBatch returns a Batch of files; nothing is written until Write.
func NewBatch(files ...File) *Batch {
	b := &Batch{files: files, temps: make([]temp, len(files)), errs: make([]error, len(files)),
		dirs: map[string]int{}, each: len(files) <= syncEachMax}
	for i := range b.temps {
		b.temps[i] = temp{fd: -1, open: -1}
	}
	return b
}

// Write writes every file's data to its temp file, unsynced (but a
// stream's), and returns the errors of those it could not write.
func (b *Batch) Write() error {
	dirErrs := map[string]error{}
	for i, f := range b.files {
		dir := filepath.Dir(f.Path)
		if _, ok := b.dirs[dir]; !ok {
			fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
			if err != nil {
				fd, dirErrs[dir] = -1, err
			}
			b.dirs[dir] = fd
		}
		if err := dirErrs[dir]; err != nil {
			b.errs[i] = fmt.Errorf("pem: write %s: %w", f.Path, err)
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
// one is synced with one syncfs in Place), and returns the errors of those
// it could not sync.
func (b *Batch) Sync() error {
	if !b.each || b.synced {
		return b.err()
	}
	b.synced = true
	parallel(len(b.files), func(i int) {
		t := &b.temps[i]
		fd := t.fd
		if fd < 0 {
			fd = t.open
		}
		if b.errs[i] != nil || fd < 0 {
			return // failed, or a stream (synced as it was written)
		}
		if err := unix.Fsync(fd); err != nil {
			b.errs[i] = fmt.Errorf("pem: write %s: %w", b.files[i].Path, err)
		}
		if t.open >= 0 {
			unix.Close(t.open)
			t.open = -1
		}
	})
	return b.err()
}

// Place syncs the data written by Write (unless Sync did) and gives each file its name, as
// described on Batch, and returns the errors of the files it could not
// place (the others are in place).
func (b *Batch) Place() error {
	b.Sync() // for a small batch, unless the caller did; its errors stay in b.errs
	if !b.each {
		synced := map[uint64]bool{} // syncfs flushes a whole file system: once each
		for dir, fd := range b.dirs {
			var st unix.Stat_t
			if fd < 0 || unix.Fstat(fd, &st) == nil && synced[st.Dev] {
				continue
			}
			synced[st.Dev] = true
			if err := unix.Syncfs(fd); err != nil {
				err = fmt.Errorf("pem: sync %s: %w", dir, err)
				for i := range b.errs {
					if b.errs[i] == nil {
						b.errs[i] = err
					}
				}
				return err // the cause of every file's error, once
			}
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
// replaced by one that does not match it. A file with a Kind is checked
// again too: what took its name since the caller's check must be of its kind.
func (b *Batch) claimed() {
	for i, f := range b.files {
		if b.errs[i] == nil && !f.NoReplace && f.Kind != 0 {
			b.errs[i] = CheckReplace(f.Path, f.Kind)
		}
		if !f.NoReplace || b.errs[i] != nil {
			continue
		}
		var st unix.Stat_t
		if unix.Fstatat(b.dirs[filepath.Dir(f.Path)], filepath.Base(f.Path), &st, unix.AT_SYMLINK_NOFOLLOW) == nil {
			b.errs[i] = CheckWritable(f.Path, true)
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
// goes with its last descriptor) and the directories.
func (b *Batch) Close() {
	for i, t := range b.temps {
		if t.fd >= 0 {
			unix.Close(t.fd)
		}
		if t.open >= 0 {
			unix.Close(t.open)
		}
		if t.name != "" {
			if dfd := b.dirs[filepath.Dir(b.files[i].Path)]; dfd >= 0 {
				unix.Unlinkat(dfd, t.name, 0)
			}
		}
		b.temps[i] = temp{fd: -1, open: -1}
	}
	for dir, fd := range b.dirs {
		if fd >= 0 {
			unix.Close(fd)
		}
		delete(b.dirs, dir)
	}
	anonInUse.Add(-int64(b.anon))
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
		dir := filepath.Dir(b.files[i].Path)
		if b.errs[i] != nil || synced[dir] {
			continue
		}
		synced[dir] = true
		if err := unix.Fsync(b.dirs[dir]); err != nil {
			err = fmt.Errorf("pem: sync %s: %w", dir, err)
			for _, j := range todo {
				if filepath.Dir(b.files[j].Path) == dir && b.errs[j] == nil {
					b.errs[j] = err
				}
			}
		}
	}
}

// writeTemp writes file i's data to a temp file: an O_TMPFILE inode when
// anon, else a hidden file named after the target. The mode is given at
// creation, where the umask can only narrow it.
func (b *Batch) writeTemp(i int, anon bool) error {
	f := b.files[i]
	dfd := b.dirs[filepath.Dir(f.Path)]
	mode := uint32(f.Mode.Perm())
	if mode == 0 {
		mode = 0o644
	}
	if anon {
		fd, err := unix.Openat(dfd, ".", unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, mode)
		if err == nil {
			b.temps[i].fd = fd
			if f.fill != nil {
				// A stream is written through an *os.File, which closes its
				// descriptor: give it a copy and keep fd for the link.
				dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
				if err != nil {
					return fmt.Errorf("pem: write %s: %w", f.Path, err)
				}
				return fillTemp(dup, f, true)
			}
			if err := writeAll(fd, f.Data); err != nil {
				return fmt.Errorf("pem: write %s: %w", f.Path, err)
			}
			return nil
		}
		if !errors.Is(err, unix.EOPNOTSUPP) && !errors.Is(err, unix.EISDIR) && !errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("pem: write %s: %w", f.Path, err)
		}
		// This file system has no O_TMPFILE: a named temp file, as below.
	}
	base := filepath.Base(f.Path)
	for try := 0; ; try++ {
		name := tempName(base)
		fd, err := unix.Openat(dfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC|unix.O_NOFOLLOW, mode)
		if err == unix.EEXIST && try < 100 {
			continue
		}
		if err != nil {
			return fmt.Errorf("pem: write %s: %w", f.Path, err)
		}
		b.temps[i].name = name
		if f.fill != nil {
			return fillTemp(fd, f, true)
		}
		err = writeAll(fd, f.Data)
		if err == nil && b.each {
			b.temps[i].open = fd // synced and closed by Sync
			return nil
		}
		if cerr := unix.Close(fd); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("pem: write %s: %w", f.Path, err)
		}
		return nil
	}
}

func writeAll(fd int, data []byte) error {
	for len(data) > 0 {
		n, err := unix.Write(fd, data)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// tempName is a hidden name next to base, for a temp file.
func tempName(base string) string {
	return "." + base + ".tmp" + strconv.FormatUint(uint64(rand.Uint32()), 36)
}

// place gives file i its name. A file that may be replaced is linked in
// (or, over an existing file, linked under a temp name and renamed over
// it); a NoReplace file is linked, which never replaces. A named temp is
// renamed (renameat2 RENAME_NOREPLACE for NoReplace).
func (b *Batch) place(i int) error {
	f := b.files[i]
	t := &b.temps[i]
	dfd := b.dirs[filepath.Dir(f.Path)]
	base := filepath.Base(f.Path)
	var err error
	if t.fd >= 0 {
		err = linkFD(t.fd, dfd, base)
		if errors.Is(err, unix.EEXIST) && !f.NoReplace {
			name := tempName(base)
			if err = linkFD(t.fd, dfd, name); err == nil {
				if err = unix.Renameat(dfd, name, dfd, base); err != nil {
					unix.Unlinkat(dfd, name, 0)
				}
			}
		}
		if err == nil {
			unix.Close(t.fd)
			t.fd = -1
		}
	} else {
		err = renameTemp(dfd, t.name, base, f.NoReplace)
		if err == nil {
			t.name = ""
		}
	}
	if err == nil {
		return nil
	}
	if cerr := CheckWritable(f.Path, f.NoReplace); cerr != nil {
		return cerr // a key in the way, or a directory or device: say so
	}
	return fmt.Errorf("pem: write %s: %w", f.Path, err)
}

// linkFD gives the O_TMPFILE inode fd the name base in the directory dfd:
// linkat with AT_EMPTY_PATH, or, where that needs a capability the process
// lacks (before Linux 6.10), through /proc/self/fd.
func linkFD(fd, dfd int, base string) error {
	if !linkViaProc.Load() {
		err := unix.Linkat(fd, "", dfd, base, unix.AT_EMPTY_PATH)
		if err != unix.ENOENT && err != unix.EPERM {
			return err
		}
	}
	err := unix.Linkat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(fd), dfd, base, unix.AT_SYMLINK_FOLLOW)
	if err == nil {
		linkViaProc.Store(true)
	}
	return err
}

// linkViaProc is set once a link through /proc worked where AT_EMPTY_PATH did not.
var linkViaProc atomic.Bool

// renameTemp renames the temp file name to base in the directory dfd;
// for noReplace, without replacing a file (renameat2 RENAME_NOREPLACE, or
// where the file system cannot, link and unlink).
func renameTemp(dfd int, name, base string, noReplace bool) error {
	if !noReplace {
		return unix.Renameat(dfd, name, dfd, base)
	}
	return renameNoReplaceAt(dfd, name, dfd, base)
}

// RenameNoReplace renames oldpath to newpath and never replaces anything
// there (an error that matches fs.ErrExist), also where the file system
// has no RENAME_NOREPLACE (NFS).
func RenameNoReplace(oldpath, newpath string) error {
	return renameNoReplaceAt(unix.AT_FDCWD, oldpath, unix.AT_FDCWD, newpath)
}

// renameat2 is unix.Renameat2; a variable, so that tests can take the path
// of a file system without RENAME_NOREPLACE.
var renameat2 = unix.Renameat2

func renameNoReplaceAt(olddfd int, oldname string, newdfd int, newname string) error {
	err := renameat2(olddfd, oldname, newdfd, newname, unix.RENAME_NOREPLACE)
	if !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EOPNOTSUPP) {
		return err
	}
	// No RENAME_NOREPLACE here: a file is linked, which never replaces,
	// and its old name removed; a directory, which cannot be linked, is
	// renamed only where nothing is.
	var st unix.Stat_t
	if err := unix.Fstatat(olddfd, oldname, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		if unix.Fstatat(newdfd, newname, &st, unix.AT_SYMLINK_NOFOLLOW) == nil {
			return unix.EEXIST
		}
		return unix.Renameat(olddfd, oldname, newdfd, newname)
	}
	if err := unix.Linkat(olddfd, oldname, newdfd, newname, 0); err != nil {
		return err
	}
	unix.Unlinkat(olddfd, oldname, 0) // the file stays under its own name
	return nil
}

// tmpfileUsable reports whether O_TMPFILE inodes can be linked here; a
// variable, so that tests can take the named-temp path.
var tmpfileUsable = sync.OnceValue(procFDs)

// procFDs reports whether /proc/self/fd is there (linkFD may need it).
func procFDs() bool {
	_, err := os.Stat("/proc/self/fd")
	return err == nil
}

// anonMax is how many O_TMPFILE inodes the batches of a process may hold
// open at once (each one is a descriptor until it is placed): half the
// process's descriptor limit. A batch that would go over it uses named temp
// files.
var anonMax = sync.OnceValue(func() int64 {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<20 {
		return 1 << 19
	}
	return int64(lim.Cur / 2)
})

// anonInUse counts the descriptors the open batches have reserved.
var anonInUse atomic.Int64

// reserveAnon reserves n descriptors for O_TMPFILE inodes, if there is room.
func reserveAnon(n int) bool {
	for {
		cur := anonInUse.Load()
		if cur+int64(n) > anonMax() {
			return false
		}
		if anonInUse.CompareAndSwap(cur, cur+int64(n)) {
			return true
		}
	}
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

// fillTemp writes a WriteStream file's content into the temp file fd,
// syncs it when sync is set, and closes it.
func fillTemp(fd int, f File, sync bool) error {
	w := os.NewFile(uintptr(fd), f.Path)
	err := f.fill(w)
	if err == nil && sync {
		err = w.Sync()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("pem: write %s: %w", f.Path, err)
	}
	return nil
}
