//go:build !linux

package store

import bolt "go.etcd.io/bbolt"

// releaseEvery is how many records a long read walks between two calls of
// releaseMapped.
const releaseEvery = 512

// releaseMapped does nothing here: only Linux's madvise is used to give
// back the pages of a long read (release_linux.go).
func releaseMapped(*bolt.DB, *bolt.Tx) {}
