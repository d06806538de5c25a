package home

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
	"github.com/ca-toolkit/ca/pkg/place"
)

// Listening is a server of the home ("ca serve", "ca publish") bound to its
// address, its ready file written: Serve runs it until ctx is done; Close
// then removes the ready file (if it is still the one written) and closes
// the listener.
type Listening struct {
	ln    net.Listener
	ready *readyFile
	serve func(context.Context, net.Listener) error
}

// listenThen binds addr for the command what ("serve", "publish"), first,
// so that a busy port fails before anything is recorded, then starts the
// server with begin; when begin fails, the listener is closed.
func listenThen[S any](what, addr string, begin func(*Listening) (S, error)) (*Listening, S, error) {
	var none S
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, none, fmt.Errorf("%s: listen on %s: %w", what, addr, err)
	}
	l := &Listening{ln: ln}
	s, err := begin(l)
	if err != nil {
		l.Close()
		return nil, none, err
	}
	return l, s, nil
}

// Addr is the address the server listens on (its real port for port 0).
func (l *Listening) Addr() net.Addr { return l.ln.Addr() }

// Serve serves until ctx is done.
func (l *Listening) Serve(ctx context.Context) error { return l.serve(ctx, l.ln) }

// Close removes the ready file when it is still the one written, then
// closes the listener.
func (l *Listening) Close() error {
	l.ready.remove()
	return l.ln.Close()
}

// checkReadyFile refuses, before anything else, a --ready-file that exists
// (ca.ErrExists: a server never replaces or removes a file it did not
// write, and a stale one would say "ready" too early) or whose directory
// is missing (ca.ErrNotFound: serve records its certificate before it
// writes the file). "" is no ready file.
func checkReadyFile(path string) error {
	if path == "" {
		return nil
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%w: --ready-file %s exists; serve creates it only when absent: remove it or name another", ca.ErrExists, path)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
		return fmt.Errorf("%w: directory %s of --ready-file %s does not exist; create it first", ca.ErrNotFound, filepath.Dir(path), path)
	}
	return nil
}

// writeReady writes url and a newline to the ready file path (atomically,
// never over a file), for the command what; "" writes none.
func (l *Listening) writeReady(what, path, url string) error {
	if path == "" {
		return nil
	}
	data := []byte(url + "\n")
	if err := place.WriteFiles(place.File{Path: path, Data: data, NoReplace: true}); err != nil {
		return fmt.Errorf("%s: ready file: %w", what, err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("%s: ready file: %w", what, err)
	}
	l.ready = &readyFile{path: path, data: data, info: fi}
	return nil
}

// readyFile is the --ready-file a server wrote: what it holds and which
// file it is, so that it is removed at exit only if it is still that file.
type readyFile struct {
	path string
	data []byte
	info os.FileInfo
}

// remove deletes the ready file when it is still the one written, with
// what was written in it; anything put in its place since stays.
func (r *readyFile) remove() {
	if r == nil {
		return
	}
	fi, err := os.Lstat(r.path)
	if err != nil || !os.SameFile(fi, r.info) {
		return
	}
	f, err := os.Open(r.path)
	if err != nil {
		return
	}
	data, err := pem.ReadAll(f, len(r.data))
	f.Close()
	if err == nil && bytes.Equal(data, r.data) {
		os.Remove(r.path)
	}
}
