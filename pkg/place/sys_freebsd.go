package place

import "golang.org/x/sys/unix"

// FreeBSD: fsync reaches the disk (UFS and ZFS honour it); there is no
// no-replace rename, so a file is linked and unlinked (renameNoReplaceAt)
// and a directory renamed after a look.

func fsync(fd int) error { return unix.Fsync(fd) }

func renameExcl(int, string, int, string) error { return errNoRenameExcl }
