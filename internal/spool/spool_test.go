package spool

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// gateWriter is a stdout that takes nothing until open is closed, then
// keeps what it is given; first is closed at its first byte.
type gateWriter struct {
	open  chan struct{}
	first chan struct{}
	once  sync.Once
	mu    sync.Mutex
	got   bytes.Buffer
	err   error // returned by every Write, when set
}

func newGateWriter(open bool) *gateWriter {
	g := &gateWriter{open: make(chan struct{}), first: make(chan struct{})}
	if open {
		close(g.open)
	}
	return g
}

func (g *gateWriter) Write(p []byte) (int, error) {
	<-g.open
	if g.err != nil {
		return 0, g.err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.got.Write(p)
	g.once.Do(func() { close(g.first) })
	return len(p), nil
}

// chunks is data cut in random pieces, some longer than flushSize.
func chunks(rng *rand.Rand, n int) ([]byte, [][]byte) {
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(rng.IntN(256))
	}
	var out [][]byte
	for rest := data; len(rest) > 0; {
		k := min(len(rest), 1+rng.IntN(3*flushSize/2))
		if rng.IntN(4) > 0 {
			k = min(len(rest), 1+rng.IntN(300)) // mostly rows
		}
		out, rest = append(out, rest[:k]), rest[k:]
	}
	return data, out
}

// streamCase is a case of TestStream.
type streamCase struct {
	name     string
	pieces   [][]byte
	fillErr  error // fill returns it after writing pieces
	outErr   error // w fails every write with it
	slowOut  bool  // w takes nothing until fill has returned
	want     []byte
	wantErr  error
	slowFill bool // fill writes each piece after a pause
}

// fill is the case's fill function for Stream to w: it writes the pieces,
// then rows until a failing w's error reaches it, and sets *writeErr to
// the error of its failed write.
func (tt streamCase) fill(w *gateWriter, writeErr *error) func(io.Writer) error {
	return func(sw io.Writer) error {
		for _, p := range tt.pieces {
			if tt.slowFill {
				time.Sleep(time.Millisecond)
			}
			if _, err := sw.Write(p); err != nil {
				*writeErr = err
				return err
			}
		}
		for deadline := time.Now().Add(10 * time.Second); tt.outErr != nil && time.Now().Before(deadline); {
			// Until the reader's failure reaches the writer.
			if _, err := sw.Write([]byte("row\n")); err != nil {
				*writeErr = err
				return err
			}
		}
		if tt.slowOut {
			close(w.open) // fill ends before w took a byte
		}
		return tt.fillErr
	}
}

// TestStream: what fill writes reaches w whole and in order, whether w
// takes it faster or slower than fill writes it, and an error on either
// side ends both with that error.
func TestStream(t *testing.T) {
	errFill, errOut := errors.New("store read failed"), errors.New("broken pipe")
	rng := rand.New(rand.NewPCG(7, 8))
	data, pieces := chunks(rng, 1<<20)
	tests := []streamCase{
		{name: "empty", want: []byte{}},
		{name: "one row", pieces: [][]byte{[]byte("row\n")}, want: []byte("row\n")},
		{name: "reader faster", pieces: pieces, slowFill: true, want: data},
		{name: "reader slower", pieces: pieces, slowOut: true, want: data},
		{name: "fill fails after rows", pieces: pieces[:3], fillErr: errFill, want: bytes.Join(pieces[:3], nil), wantErr: errFill},
		{name: "fill fails at once", fillErr: errFill, want: []byte{}, wantErr: errFill},
		{name: "stdout fails", pieces: pieces, outErr: errOut, want: []byte{}, wantErr: errOut},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.slowFill && len(tt.pieces) > 50 {
				tt.pieces = tt.pieces[:50]
				tt.want = bytes.Join(tt.pieces, nil)
			}
			w := newGateWriter(!tt.slowOut)
			w.err = tt.outErr
			var writeErr error
			err := Stream(w, t.TempDir(), "test", tt.fill(w, &writeErr))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Stream: %v, want %v", err, tt.wantErr)
			}
			if tt.outErr != nil && !errors.Is(writeErr, tt.outErr) {
				t.Errorf("fill's write after stdout failed: %v, want %v", writeErr, tt.outErr)
			}
			if !bytes.Equal(w.got.Bytes(), tt.want) {
				t.Errorf("w got %d bytes, want %d (equal prefix: %v)", w.got.Len(), len(tt.want), bytes.HasPrefix(tt.want, w.got.Bytes()))
			}
		})
	}
}

// TestStreamFirstRowAtOnce: w gets the first row while fill is still
// running, before it writes anything more.
func TestStreamFirstRowAtOnce(t *testing.T) {
	w := newGateWriter(true)
	err := Stream(w, t.TempDir(), "test", func(sw io.Writer) error {
		if _, err := sw.Write([]byte("[\n  {\"serial\": \"01\"}")); err != nil {
			return err
		}
		select {
		case <-w.first:
		case <-time.After(10 * time.Second):
			t.Error("the first row did not reach w while fill ran")
		}
		_, err := sw.Write([]byte("\n]\n"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.got.String(); got != "[\n  {\"serial\": \"01\"}\n]\n" {
		t.Errorf("got %q", got)
	}
}

// TestSpoolFileHoldsBacklog: what a slow reader has not read goes to the
// file, not memory: the writer's memory holds at most flushSize and one
// Write.
func TestSpoolFileHoldsBacklog(t *testing.T) {
	s, err := New(t.TempDir(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	row := bytes.Repeat([]byte("x"), 1000)
	for range 10 * flushSize / len(row) {
		if _, err := s.Write(row); err != nil {
			t.Fatal(err)
		}
		if len(s.pending) > flushSize+len(row) {
			t.Fatalf("%d bytes pending in memory", len(s.pending))
		}
	}
	if s.size < 9*flushSize {
		t.Errorf("%d bytes in the file, want at least %d", s.size, 9*flushSize)
	}
	s.CloseWrite(nil)
	got, err := io.ReadAll(s)
	if err != nil || len(got) != 10*flushSize/len(row)*len(row) {
		t.Errorf("read back %d bytes, %v", len(got), err)
	}
}

// TestNewNamesTheFile: the temporary file and its errors carry the name
// given (the command's), and a directory that is not there is that error.
func TestNewNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	s, err := New(dir, "list")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if base := filepath.Base(s.f.Name()); !strings.HasPrefix(base, "ca-list-") {
		t.Errorf("file %s, want ca-list-*", base)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the file is not unlinked: %v", left)
	}
	_, err = New(filepath.Join(dir, "missing"), "list")
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "spool: list: temporary file: open ") {
		t.Errorf("New in a missing directory = %v", err)
	}
}
