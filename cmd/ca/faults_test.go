//go:build unix

// The fault tests need Unix: other users, tmpfs mounts, FIFOs, signals.

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// needRoot skips a test that needs root (to change users or mount), but
// fails it in CI, which runs as root and must run every fault test.
func needRoot(t *testing.T, why string) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI must run as root: %s", why)
	}
	t.Skipf("not root: %s", why)
}

// worldDir makes a directory every user can enter, under a temp dir that
// every user can enter too.
func worldDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// copyCA copies the ca binary where user nobody can run it.
func copyCA(t *testing.T, dir string) string {
	t.Helper()
	src, err := os.Open(caPath(t))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	bin := filepath.Join(dir, "ca")
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return bin
}

// runAsNobody runs bin with args as user nobody (root ignores file modes).
func runAsNobody(t *testing.T, bin string, args ...string) caRun {
	t.Helper()
	cmd := exec.Command("setpriv", append([]string{"--reuid=nobody", "--regid=nogroup", "--clear-groups", bin}, args...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent"}
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := caRun{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("setpriv: %v", err)
	}
	return r
}

// chownTree gives every file under dir to nobody and makes it read-only:
// directories 0555, files 0400 (keys and the store) or 0444.
func chownTree(t *testing.T, dir string, readOnly bool) {
	t.Helper()
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(path, 65534, 65534); err != nil {
			return err
		}
		if !readOnly {
			return nil
		}
		mode := os.FileMode(0o444)
		switch {
		case fi.IsDir():
			mode = 0o555
		case fi.Mode().Perm()&0o077 == 0:
			mode = 0o400
		}
		return os.Chmod(path, mode)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReadOnlyHome runs ca as an unprivileged user on a home it may read but
// not write: changes fail with exit 1 and a clear message and leave every
// file as it was; reading commands still work.
func TestReadOnlyHome(t *testing.T) {
	needRoot(t, "the read-only home test runs ca as user nobody, since root ignores file modes")
	dir := worldDir(t)
	bin := copyCA(t, dir)
	home := filepath.Join(dir, "pki")
	mustCA(t, home, nil, "init", "--cn", "RO Root", "--no-passphrase")
	mustCA(t, home, nil, "intermediate", "create", "--name", "sub", "--cn", "Sub CA", "--no-passphrase")

	t.Run("whole home read-only", func(t *testing.T) {
		chownTree(t, home, true)
		before := digest(t, home)
		r := runAsNobody(t, bin, "--home", home, "intermediate", "create", "--name", "x", "--cn", "X CA", "--no-passphrase")
		if r.code != exitFailed || !strings.HasPrefix(r.stderr, "ca: ") || !strings.Contains(r.stderr, "permission denied") {
			t.Errorf("intermediate create: exit %d, want %d with a clear message\n%s", r.code, exitFailed, r.stderr)
		}
		r = runAsNobody(t, bin, "--home", home, "store", "backup", filepath.Join(home, "b.db"))
		if r.code != exitFailed || !strings.Contains(r.stderr, "permission denied") {
			t.Errorf("store backup into the home: exit %d, want %d\n%s", r.code, exitFailed, r.stderr)
		}
		// Reading needs no write access.
		for _, args := range [][]string{{"store", "check"}, {"audit", "verify"}} {
			if r := runAsNobody(t, bin, append([]string{"--home", home}, args...)...); r.code != 0 {
				t.Errorf("%v on a read-only home: exit %d\n%s", args, r.code, r.stderr)
			}
		}
		if after := digest(t, home); after != before {
			t.Errorf("the home changed:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})
	t.Run("store writable, issuers read-only", func(t *testing.T) {
		chownTree(t, home, false)
		for _, p := range []string{home, filepath.Join(home, "ca.db")} {
			if err := os.Chmod(p, 0o700); err != nil {
				t.Fatal(err)
			}
		}
		before := digest(t, home)
		r := runAsNobody(t, bin, "--home", home, "intermediate", "create", "--name", "y", "--cn", "Y CA", "--no-passphrase")
		if r.code != exitFailed || !strings.Contains(r.stderr, "permission denied") {
			t.Errorf("intermediate create: exit %d, want %d\n%s", r.code, exitFailed, r.stderr)
		}
		if after := digest(t, home); after != before {
			t.Errorf("the home changed:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		storeCheck(t, home)
	})
	t.Run("init under a read-only directory", func(t *testing.T) {
		parent := filepath.Join(dir, "ro")
		if err := os.Mkdir(parent, 0o555); err != nil {
			t.Fatal(err)
		}
		r := runAsNobody(t, bin, "--home", filepath.Join(parent, "pki"), "init", "--cn", "X", "--no-passphrase")
		if r.code != exitFailed || !strings.Contains(r.stderr, "permission denied") {
			t.Errorf("init: exit %d, want %d\n%s", r.code, exitFailed, r.stderr)
		}
		if entries, _ := os.ReadDir(parent); len(entries) != 0 {
			t.Errorf("init left %v behind", entries)
		}
	})
}

// TestFullDisk runs commands on a tiny tmpfs filled to different levels:
// each either succeeds whole or fails with exit 1, "no space left", and the
// home as it was.
func TestFullDisk(t *testing.T) {
	needRoot(t, "the full-disk test mounts a tiny tmpfs")
	mnt := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt).CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount tmpfs: %v: %s", err, out)
		}
		t.Skipf("cannot mount a tmpfs here: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	home := filepath.Join(mnt, "pki")
	mustCA(t, home, nil, "init", "--cn", "Full Root", "--no-passphrase")

	filler := filepath.Join(mnt, "filler")
	failures := 0
	for i, free := range []int{0, 1, 2, 4, 8, 12, 16, 24, 32, 48} {
		fill(t, filler, free*1024)
		before := logicalDigest(t, home)
		name := fmt.Sprintf("sub%d", i)
		r := runCA(t, home, nil, "intermediate", "create", "--name", name, "--cn", "Sub "+name, "--no-passphrase")
		switch r.code {
		case 0:
			checkAfterCrash(t, home, nil, 0)
		case exitFailed:
			failures++
			t.Logf("%d KiB free: %s", free, r.stderr)
			if !strings.Contains(r.stderr, "no space left on device") {
				t.Errorf("%d KiB free: the message does not say the disk is full: %s", free, r.stderr)
			}
			if after := logicalDigest(t, home); after != before {
				t.Errorf("%d KiB free: the home changed:\nbefore:\n%s\nafter:\n%s", free, before, after)
			}
			storeCheck(t, home)
		default:
			t.Errorf("%d KiB free: exit %d, want 0 or 1\n%s", free, r.code, r.stderr)
		}
	}
	if failures == 0 {
		t.Error("the disk was never full: the test tested nothing")
	}
	fill(t, filler, 0)
	backup := filepath.Join(mnt, "b.db")
	if r := runCA(t, home, nil, "store", "backup", backup); r.code != exitFailed || !strings.Contains(r.stderr, "no space left") {
		t.Errorf("backup on a full disk: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Lstat(backup); err == nil {
		t.Error("a failed backup left its file")
	}
	if r := runCA(t, filepath.Join(mnt, "pki2"), nil, "init", "--cn", "X", "--no-passphrase"); r.code != exitFailed {
		t.Errorf("init on a full disk: exit %d\n%s", r.code, r.stderr)
	}
	if m, _ := filepath.Glob(filepath.Join(mnt, "*pki2*")); len(m) > 0 {
		t.Errorf("init on a full disk left %v", m)
	}
	// Room again: the next command works.
	os.Remove(filler)
	mustCA(t, home, nil, "intermediate", "create", "--name", "after", "--cn", "After CA", "--no-passphrase")
	storeCheck(t, home)
}

// TestFullOutDir: certificates (and a CRL) whose files cannot be written
// (their directory on a full or a read-only file system) are not recorded:
// exit 1, "no space left" or "read-only", the store as it was, no file left.
func TestFullOutDir(t *testing.T) {
	needRoot(t, "the full out-dir test mounts tiny tmpfs file systems")
	home := newTestHome(t)
	manifest := filepath.Join(t.TempDir(), "m.csv")
	if err := os.WriteFile(manifest, []byte("cn,dns\na.example.com,a.example.com\nb.example.com,b.example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	csrFile := makeCSR(t, t.TempDir(), "c.example.com")
	for _, c := range []struct{ opts, want string }{{"size=64k", "no space left on device"}, {"ro,size=64k", "read-only file system"}} {
		mnt := filepath.Join(t.TempDir(), "mnt")
		if err := os.Mkdir(mnt, 0o700); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", c.opts, "tmpfs", mnt).CombinedOutput(); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("mount tmpfs: %v: %s", err, out)
			}
			t.Skipf("cannot mount a tmpfs here: %v: %s", err, out)
		}
		t.Cleanup(func() { exec.Command("umount", mnt).Run() })
		if !strings.HasPrefix(c.opts, "ro") {
			fill(t, filepath.Join(mnt, "filler"), 0)
		}
		before := logicalDigest(t, home)
		for _, args := range [][]string{
			{"issue", "--cn", "a.example.com", "--dns", "a.example.com", "--no-passphrase", "--out-dir", mnt},
			{"issue", "--manifest", manifest, "--no-passphrase", "--out-dir", mnt},
			{"sign", "csr", csrFile, "--out-dir", mnt},
			{"crl", "export", "--out", filepath.Join(mnt, "root.crl")},
		} {
			r := runCA(t, home, nil, args...)
			if r.code != exitFailed || !strings.Contains(r.stdout+r.stderr, c.want) || !strings.Contains(r.stdout+r.stderr, "not recorded") {
				t.Errorf("%s, %s: exit %d, want %d saying %q and that nothing was recorded\n%s%s", c.opts, args[0], r.code, exitFailed, c.want, r.stdout, r.stderr)
			}
			if after := logicalDigest(t, home); after != before {
				t.Errorf("%s, ca %s recorded something:\nbefore:\n%s\nafter:\n%s", c.opts, strings.Join(args[:2], " "), before, after)
			}
			if m, _ := filepath.Glob(filepath.Join(mnt, "*.*")); len(m) > 0 {
				t.Errorf("%s, ca %s left %v", c.opts, strings.Join(args[:2], " "), m)
			}
		}
		storeCheck(t, home)
	}
}

// fill rewrites filler so that about free bytes stay free on its file system.
func fill(t *testing.T, filler string, free int) {
	t.Helper()
	os.Remove(filler)
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 1024)
	for {
		if _, err := f.Write(block); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				break
			}
			t.Fatal(err)
		}
	}
	if free > 0 {
		fi, _ := f.Stat()
		if err := f.Truncate(max(fi.Size()-int64(free), 0)); err != nil {
			t.Fatal(err)
		}
	}
}

// logicalDigest is digest with the store's file replaced by its content: a
// commit that fails for want of space may have grown the file (bbolt never
// writes over live pages), while the records stay as they were.
func logicalDigest(t *testing.T, home string) string {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(digest(t, home), "\n") {
		if !strings.HasPrefix(l, "ca.db ") {
			lines = append(lines, l)
		}
	}
	st := openRead(t, home)
	defer st.Close()
	counts, err := st.Counts()
	if err != nil {
		t.Fatal(err)
	}
	sum, err := st.VerifyAudit("")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n") + fmt.Sprintf("\nstore %+v audit %d %s", counts, sum.Records, sum.Head)
}

// TestSecondSignalEndsStuckRead: a command stuck reading a FIFO that never
// closes cannot heed the first Ctrl-C (it cancels between steps); the
// second ends the process, as the default action does.
func TestSecondSignalEndsStuckRead(t *testing.T) {
	home := newTestHome(t)
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	// Hold the FIFO open for writing, so that the reader blocks in read.
	w, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cmd, _, _ := caCmd(t, home, nil, "show", fifo)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(300 * time.Millisecond) // reading
	cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-done:
	case <-time.After(10 * time.Second): // generous: behaviour, not speed
		cmd.Process.Kill()
		t.Fatal("ca show on a FIFO still runs after two SIGINTs")
	}
}
