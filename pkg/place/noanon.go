//go:build !linux

package place

import "io/fs"

// Outside Linux there is no O_TMPFILE and no syncfs: every temp file is a
// hidden named one (sweep.go removes those a crash left), and every file
// is synced on its own.

const haveSyncFS = false

func syncFS(map[string]*dir) error { return nil }

func tmpfileUsable() bool  { return false }
func reserveAnon(int) bool { return false }
func releaseAnon(int)      {}

func (d *dir) createAnon(*temp, fs.FileMode) error { return errNoTmpfile }

// linkAnon is never called: no temp is an O_TMPFILE inode here.
func (d *dir) linkAnon(*temp, string, bool) error { return errNoTmpfile }
