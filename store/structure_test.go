package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// TestWriteRefusedAfterForeignEdit: a meta page damaged behind the
// toolkit's back after Open (another program, a disk) is found by the
// check before the next write, which writes nothing.
func TestWriteRefusedAfterForeignEdit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ca.db")
	st := filledStore(t, path)
	defer st.Close()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	f.ReadAt(b[:], 16+56)
	b[0] ^= 1
	if _, err := f.WriteAt(b[:], 16+56); err != nil {
		t.Fatal(err)
	}
	f.Close()
	before, _ := os.ReadFile(path)
	err = st.AddCRL(context.Background(), &ca.CRLRecord{Issuer: "root", Number: big.NewInt(4), DER: []byte{0x30, 0}})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "meta page 0 fails its checksum") || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("AddCRL = %v, want ErrCorrupt naming meta page 0", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the write changed the file")
	}
}

// TestLightCheckFindsCycle: in a file over fullCheckMax, which Open checks
// lightly, a branch page of the certificates pointing to itself is still
// found, and so is a page listed as free that a branch points to.
func TestLightCheckFindsCycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ca.db")
	st := filledStore(t, path)
	s := &suite{t: t, st: st, ctx: context.Background()}
	for i := 0; i < 1500; i += 100 {
		var certs []*ca.CertRecord
		for j := i; j < i+100; j++ {
			certs = append(certs, s.cert(int64(1000+j), "root", "c", time.Now().Add(time.Hour)))
		}
		s.add(certs...)
	}
	st.Close()
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(good) <= fullCheckMax {
		t.Fatalf("the store has %d bytes, not over %d", len(good), fullCheckMax)
	}
	le := binary.LittleEndian
	branch := -1
	for id := 2; (id+1)*4096 <= len(good); id++ {
		h := good[id*4096:]
		if le.Uint64(h) == uint64(id) && le.Uint16(h[8:]) == branchPageFlag && le.Uint16(h[10:]) > 20 {
			branch = id
			break
		}
	}
	if branch < 0 {
		t.Fatal("no branch page with more than 20 children")
	}
	for _, child := range []int{0, 10} {
		bad := bytes.Clone(good)
		le.PutUint64(bad[branch*4096+16+child*16+8:], uint64(branch))
		p := filepath.Join(t.TempDir(), "ca.db")
		if err := os.WriteFile(p, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Open(p, Options{ReadOnly: true})
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "reached twice") {
			t.Errorf("child %d of branch page %d pointing to it: Open = %v, want ErrCorrupt naming the page reached twice", child, branch, err)
		}
	}
}

// TestMaxSize: the bound on a write's growth lets bbolt grow a file as it
// does (doubling up to 16 MiB, then 16 MiB at a time) and stops garbage.
func TestMaxSize(t *testing.T) {
	for _, c := range []struct {
		size         int64
		payload, max int
	}{
		{64 << 10, 2000, 512 << 10},
		{1 << 20, 0, 4 << 20},
		{100 << 20, 1 << 20, 224<<20 + 256<<10},
	} {
		if got := maxSize(c.size, c.payload); got != c.max {
			t.Errorf("maxSize(%d, %d) = %d, want %d", c.size, c.payload, got, c.max)
		}
	}
}
