//go:build !linux

package main

import (
	"testing"
	"time"
)

// Outside Linux the benchmarks that compare ca with a baseline skip: their
// measuring tools (syncfs, getrusage, ext4's flags) and numbers are Linux's.

func spreadSubdirs(string) {}

func processCPU(b *testing.B) time.Duration {
	b.Skip("the baselines are measured on Linux only")
	return 0
}

func syncFS(string) error { return nil }
