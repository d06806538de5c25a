//go:build !linux

package place

import "testing"

// batchModes runs fn once: outside Linux every file waits in a named temp
// file.
func batchModes(t *testing.T, fn func(t *testing.T)) {
	t.Run("named temp", fn)
}
