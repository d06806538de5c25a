//go:build !linux

package main

// hardenProcess does nothing here: the no-core-dump settings of
// harden_linux.go are Linux's.
func hardenProcess() {}

// processState says what hardenProcess set, for the tests.
func processState() string { return "unsupported" }
