// Package place writes files atomically and durably: it stages each file's
// data where no one sees it (an O_TMPFILE inode on Linux, a hidden temp
// file beside the target elsewhere), syncs it, possibly while the caller
// commits a store transaction, then places it under its name (a link, or a
// rename over a file that may be replaced; never over a key) and syncs the
// directory. A reader sees the old file or the whole new one, never half
// of one; a crash leaves no half-written file under a target's name.
//
// It owns the temp files, the sync calls and the no-replace rename of each
// operating system (sys_*.go; docs/decisions.md says what each one
// guarantees). It does not know what the files hold: PEM framing is
// package pem's, what to write package ca's and the commands'.
package place
