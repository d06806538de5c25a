package store

import (
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// releaseEvery is how many records a long read walks between two
// releases of the pages it mapped: each record read in another order
// than the file's maps up to 64 KB around it (the kernel's fault-around),
// so about 32 MB at most.
const releaseEvery = 512

// releaseMapped gives back to the kernel the pages of the store that tx
// has read through bbolt's map (madvise MADV_DONTNEED over the data of
// tx): a walk over every record (ca list) would otherwise keep the whole
// file in its resident memory. The map is read-only and shared, so the
// pages stay in the page cache and a later read of them maps them again;
// nothing is lost. Best effort: an error leaves the pages mapped.
func releaseMapped(db *bolt.DB, tx *bolt.Tx) {
	// A uintptr from bbolt's Info straight to the system call: the map
	// is bbolt's and outlives tx.
	unix.Syscall(unix.SYS_MADVISE, db.Info().Data, uintptr(tx.Size()), unix.MADV_DONTNEED)
}
