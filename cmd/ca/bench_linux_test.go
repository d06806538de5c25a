package main

import (
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The benchmarks' measuring tools are Linux's: the baselines they compare
// ca with are measured there (docs/provisioning.md).

// spreadSubdirs marks dir, best effort, as the top of a directory
// hierarchy (chattr +T): ext4 then places each new subdirectory in a block
// group with many free inodes, rather than next to its parent, where the
// files deleted by the last run would slow the next one's down.
func spreadSubdirs(dir string) {
	f, err := os.Open(dir)
	if err != nil {
		return
	}
	defer f.Close()
	const fsTopdirFL = 0x00020000 // FS_TOPDIR_FL
	flags, err := unix.IoctlGetInt(int(f.Fd()), unix.FS_IOC_GETFLAGS)
	if err == nil {
		unix.IoctlSetPointerInt(int(f.Fd()), unix.FS_IOC_SETFLAGS, flags|fsTopdirFL)
	}
}

// processCPU returns the CPU time (user + system) this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// syncFS syncs the file system of dir (one syncfs, as the baseline writer does).
func syncFS(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}
