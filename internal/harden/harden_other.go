//go:build !linux

package harden

// Process does nothing here: the no-core-dump settings of
// harden_linux.go are Linux's.
func Process() {}

// State says what Process set, for the tests.
func State() string { return "unsupported" }
