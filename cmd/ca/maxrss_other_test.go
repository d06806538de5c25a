//go:build !linux

package main

import (
	"fmt"
	"os"
)

// maxRSSMain is ca-maxrss, which measures peak RSS on Linux only.
func maxRSSMain() {
	fmt.Fprintln(os.Stderr, "ca-maxrss: Linux only")
	os.Exit(1)
}
