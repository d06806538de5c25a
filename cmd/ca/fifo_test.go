package main

import (
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"
)

// Script commands of the scripts on special files and signals.
func init() {
	// mkfifo FILE: makes a FIFO (mode 0600) at FILE.
	scriptCmds["mkfifo"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: mkfifo FILE")
		}
		ts.Check(syscall.Mkfifo(ts.MkAbs(args[0]), 0o600))
	}
	// sighup: sends SIGHUP to the background commands.
	scriptCmds["sighup"] = func(ts *testscript.TestScript, neg bool, args []string) {
		for _, c := range ts.BackgroundCmds() {
			c.Process.Signal(syscall.SIGHUP) // one that has exited already is no error here
		}
	}
}
