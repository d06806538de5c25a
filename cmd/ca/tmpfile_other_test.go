//go:build !linux

package main

// hasTmpfile is false: only Linux has O_TMPFILE.
func hasTmpfile(string) bool { return false }
