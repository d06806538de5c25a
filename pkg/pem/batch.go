package pem

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// WriteBatch writes files atomically (temp file in the same directory,
// synced, renamed into place, directory synced), in two steps: first every file that may be replaced (certificates, chains), then,
// once their directories are synced, every NoReplace file (keys). So
// whatever instant the process dies at, a key on disk means the other files
// of the batch were placed before it: a caller that writes NAME.crt and
// NAME.key together can take an existing NAME.key as proof that NAME.crt is
// whole.
//
// It is meant for many files at once (a group commit of "ca issue"): the
// data of all of them is synced with one syncfs (a batch of up to 16 files
// is synced file by file, cheaper on a busy file system), each directory is synced
// once per step, and the files are created and placed by several goroutines,
// so that the file system's waits overlap. Nothing is checked up front
// (the caller has, and a link never replaces, a rename never follows a
// symlink): a key that exists fails its link with ErrExists, and a failed
// rename or link is explained as CheckWritable does (ErrNotRegular for a
// directory in the way). On error the files already placed stay; the
// others are not created.
func WriteBatch(files ...File) error {
	if len(files) == 0 {
		return nil
	}
	var first, last []File
	for _, f := range files {
		if f.NoReplace {
			last = append(last, f)
		} else {
			first = append(first, f)
		}
	}
	ordered := append(first, last...)
	temps := make([]string, len(ordered))
	defer func() {
		for _, t := range temps {
			if t != "" {
				os.Remove(t)
			}
		}
	}()
	// A few files are synced one by one (in parallel); many with one syncfs,
	// which costs as much as the file system has unwritten data.
	each := len(ordered) <= syncEachMax
	err := parallel(len(ordered), func(i int) error {
		f := ordered[i]
		tmp, err := writeTempRaw(f, each)
		temps[i] = tmp
		return err
	})
	if err != nil {
		return err
	}
	if !each {
		if err := syncFS(filepath.Dir(ordered[0].Path)); err != nil {
			return err
		}
	}
	if err := place(first, temps[:len(first)]); err != nil {
		return err
	}
	return place(last, temps[len(first):])
}

// syncEachMax is the largest batch whose files are synced one by one.
const syncEachMax = 16

// batchWriters is how many goroutines create and place the files of a
// batch: the kernel's waits (inode allocation, directory blocks) overlap.
const batchWriters = 8

// parallel runs fn(0..n-1) on up to batchWriters goroutines and returns
// the errors joined.
func parallel(n int, fn func(i int) error) error {
	workers := min(batchWriters, n)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				if err := fn(i); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// writeTempRaw writes f's data to a new temp file next to it with plain
// system calls (no poller registration, no chmod: the mode is given at
// creation, where the umask can only narrow it). The data is synced only
// with sync; otherwise the caller syncs the batch.
func writeTempRaw(f File, sync bool) (string, error) {
	mode := f.Mode
	if mode == 0 {
		mode = 0o644
	}
	dir, base := filepath.Split(f.Path)
	for try := 0; ; try++ {
		name := filepath.Join(dir, "."+base+".tmp"+strconv.FormatUint(uint64(rand.Uint32()), 36))
		fd, err := unix.Open(name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC|unix.O_NOFOLLOW, uint32(mode.Perm()))
		if err == unix.EEXIST && try < 100 {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("pem: write %s: %w", f.Path, err)
		}
		if f.fill != nil {
			if err := fillTemp(fd, f, sync); err != nil {
				unix.Unlink(name)
				return "", err
			}
			return name, nil
		}
		for data := f.Data; len(data) > 0; {
			n, err := unix.Write(fd, data)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				unix.Close(fd)
				unix.Unlink(name)
				return "", fmt.Errorf("pem: write %s: %w", f.Path, err)
			}
			data = data[n:]
		}
		if sync {
			if err := unix.Fsync(fd); err != nil {
				unix.Close(fd)
				unix.Unlink(name)
				return "", fmt.Errorf("pem: write %s: %w", f.Path, err)
			}
		}
		if err := unix.Close(fd); err != nil {
			unix.Unlink(name)
			return "", fmt.Errorf("pem: write %s: %w", f.Path, err)
		}
		return name, nil
	}
}

// place renames each temp file to its path (for NoReplace, without
// replacing: renameat2 RENAME_NOREPLACE, else link and unlink), then
// syncs each directory once. A placed temp is set to "" (nothing to remove).
func place(files []File, temps []string) error {
	if len(files) == 0 {
		return nil
	}
	err := parallel(len(files), func(i int) error {
		f := files[i]
		if f.NoReplace {
			// rename(2) that fails rather than replace: one step, where
			// link + unlink takes two.
			err := unix.Renameat2(unix.AT_FDCWD, temps[i], unix.AT_FDCWD, f.Path, unix.RENAME_NOREPLACE)
			switch {
			case err == nil:
				temps[i] = ""
				return nil
			case errors.Is(err, unix.EEXIST):
				if cerr := CheckWritable(f.Path, true); cerr != nil {
					return cerr
				}
				return fmt.Errorf("%w: %s", ErrExists, f.Path)
			case !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EOPNOTSUPP):
				return fmt.Errorf("pem: write %s: %w", f.Path, err)
			}
			// The file system cannot: link, then remove the temp name.
			if err := os.Link(temps[i], f.Path); err != nil {
				if errors.Is(err, fs.ErrExist) {
					if cerr := CheckWritable(f.Path, true); cerr != nil {
						return cerr
					}
					return fmt.Errorf("%w: %s", ErrExists, f.Path)
				}
				return fmt.Errorf("pem: write %s: %w", f.Path, err)
			}
			os.Remove(temps[i]) // the key stays under its own name
			temps[i] = ""
			return nil
		}
		if err := os.Rename(temps[i], f.Path); err != nil {
			if cerr := CheckWritable(f.Path, false); cerr != nil {
				return cerr // a directory or device in the way, say so
			}
			return fmt.Errorf("pem: write %s: %w", f.Path, err)
		}
		temps[i] = ""
		return nil
	})
	dirs := map[string]bool{}
	for _, f := range files {
		dirs[filepath.Dir(f.Path)] = true
	}
	for dir := range dirs {
		if serr := syncDir(dir); serr != nil && err == nil {
			err = serr
		}
	}
	return err
}

// fillTemp writes a WriteStream file's content into the temp file fd and
// closes it.
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
