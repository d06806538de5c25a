// Package spool streams a command's output through an unlinked temporary
// file: a producer (a store read) appends to the file while a consumer
// copies it to stdout, so the first row prints at once, memory stays flat
// however many rows there are, and a slow reader of stdout (a pager) never
// holds up the producer, which can close the store as soon as it is read.
// On top of the spool, JSONArray writes a JSON array and Table a table in
// tablewriter's look, row by row. It owns no terminal and no store: what
// goes in and where it goes are the caller's.
package spool

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// flushSize is how many bytes a Spool gathers in memory before it writes
// them to its file.
const flushSize = 64 << 10

// Spool is a growing file-backed buffer with one writer and one
// concurrent reader: Write appends, Read follows, waiting for more until
// CloseWrite. The stream is the file followed by the bytes pending in
// memory (at most flushSize and one Write), which the reader reads from
// memory when it keeps up: it never waits while there is something to
// read, and a slow reader costs file space, not memory.
type Spool struct {
	f     *os.File
	name  string // the command's, in the file's name and in errors
	spare []byte // the writer's next pending buffer

	mu      sync.Mutex
	cond    *sync.Cond
	size    int64  // bytes in the file
	pending []byte // bytes after the file's, not written to it yet
	off     int64  // the reader's offset in the stream
	done    bool   // CloseWrite was called
	werr    error  // the writer's error, read after everything before it
	rerr    error  // the reader's error: Write fails with it
}

// New makes a Spool over an unlinked temporary file in dir ("" is
// os.TempDir), named ca-NAME-*: the file is gone when the Spool is
// closed, whatever happens. The caller closes it. Errors about the file
// name it as "spool: NAME: temporary file: ".
func New(dir, name string) (*Spool, error) {
	f, err := os.CreateTemp(dir, "ca-"+name+"-*")
	if err != nil {
		return nil, fmt.Errorf("spool: %s: temporary file: %w", name, err)
	}
	os.Remove(f.Name()) // unlinked: gone when closed
	s := &Spool{f: f, name: name}
	s.cond = sync.NewCond(&s.mu)
	return s, nil
}

// Write appends p. It fails once the reader has failed (CloseRead), with
// the reader's error, or when the file cannot be written. Write and
// CloseWrite are for one goroutine.
func (s *Spool) Write(p []byte) (int, error) {
	s.mu.Lock()
	if s.rerr != nil {
		defer s.mu.Unlock()
		return 0, s.rerr
	}
	s.pending = append(s.pending, p...)
	full := len(s.pending) >= flushSize
	s.cond.Broadcast()
	s.mu.Unlock()
	if full {
		if err := s.flush(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// flush writes the pending bytes to the file. While it does, the reader
// waits for them rather than reading them from memory.
func (s *Spool) flush() error {
	s.mu.Lock()
	buf, at := s.pending, s.size
	s.pending = s.spare[:0]
	s.mu.Unlock()
	if len(buf) == 0 {
		return nil
	}
	// Only the writer writes, past what the reader reads from the file.
	_, err := s.f.WriteAt(buf, at)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.pending = buf // still readable from memory
		return fmt.Errorf("spool: %s: temporary file: %w", s.name, err)
	}
	s.size += int64(len(buf))
	s.spare = buf
	s.cond.Broadcast()
	return nil
}

// CloseWrite ends the writing: the reader reads everything written, then
// err, or io.EOF when err is nil.
func (s *Spool) CloseWrite(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done, s.werr = true, err
	s.cond.Broadcast()
}

// CloseRead ends the reading with err (not nil): the next Write fails
// with it, so that the writer stops.
func (s *Spool) CloseRead(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rerr = err
	s.cond.Broadcast()
}

// Read reads the next bytes of the stream, waiting for the writer when
// it has read everything written. After CloseWrite it returns io.EOF, or
// the writer's error, once it has read everything.
func (s *Spool) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	s.mu.Lock()
	for {
		if s.off < s.size {
			off, n := s.off, min(int64(len(p)), s.size-s.off)
			s.mu.Unlock()
			m, err := s.f.ReadAt(p[:n], off)
			s.mu.Lock()
			s.off += int64(m)
			s.mu.Unlock()
			if err != nil && !errors.Is(err, io.EOF) {
				return m, fmt.Errorf("spool: %s: temporary file: %w", s.name, err)
			}
			return m, nil
		}
		if j := s.off - s.size; j < int64(len(s.pending)) {
			m := copy(p, s.pending[j:])
			s.off += int64(m)
			s.mu.Unlock()
			return m, nil
		}
		if s.done {
			defer s.mu.Unlock()
			if s.werr != nil {
				return 0, s.werr
			}
			return 0, io.EOF
		}
		s.cond.Wait()
	}
}

// Close closes (and so removes) the file.
func (s *Spool) Close() error { return s.f.Close() }

// Stream copies what fill writes to w as it comes, through a Spool in dir
// ("" is os.TempDir) named for name (New): fill runs in the caller's goroutine and never waits
// for w beyond the spool's write to its file. It returns fill's error
// (after w got everything fill wrote before it), else the error of
// writing to w, which also makes fill's next write fail.
func Stream(w io.Writer, dir, name string, fill func(io.Writer) error) error {
	s, err := New(dir, name)
	if err != nil {
		return err
	}
	defer s.Close()
	copied := make(chan error, 1)
	go func() {
		_, err := io.CopyBuffer(onlyWriter{w}, s, make([]byte, flushSize))
		if err != nil {
			s.CloseRead(err)
		}
		copied <- err
	}()
	ferr := fill(s)
	s.CloseWrite(ferr)
	cerr := <-copied
	if ferr != nil && (cerr == nil || errors.Is(cerr, ferr)) {
		return ferr
	}
	return cerr
}

// onlyWriter hides a ReaderFrom of w (an *os.File's) from io.CopyBuffer,
// which would otherwise copy with a buffer of its own choosing.
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }
