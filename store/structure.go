package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"os"

	berrors "go.etcd.io/bbolt/errors"
)

// This file reads a bbolt file (format version 2, go.etcd.io/bbolt
// v1.5.0's internal/common) on its own, with bounds on every length and
// count, before bbolt maps it: bbolt trusts the page ids, counts,
// overflows and offsets it finds, so one damaged byte can make it read
// past its map (a fault), loop through a cycle of pages, allocate what a
// garbage count says, or write a garbage length's worth of pages.

// bbolt's layout: a page starts with its id (8 bytes), flags (2), count (2)
// and overflow (4); elements of 16 bytes follow, their keys and values
// after them at offsets relative to each element.
const (
	pageHeaderSize  = 16
	elementSize     = 16
	branchPageFlag  = 0x01
	leafPageFlag    = 0x02
	metaPageFlag    = 0x04
	freelistFlag    = 0x10
	bucketLeafFlag  = 0x01
	boltMagic       = 0xED0CDAED
	boltVersion     = 2
	metaChecksumEnd = 56 // the meta's fields before its checksum
	maxTreeDepth    = 64 // far deeper than a store of any size gets
)

// damageError is what checkFile finds; Open wraps it in ErrCorrupt.
type damageError struct{ msg string }

func (e *damageError) Error() string { return e.msg }

func damaged(format string, args ...any) error {
	return &damageError{fmt.Sprintf(format, args...)}
}

// boltMeta is one of the two meta pages: the state of the file as of
// transaction txid.
type boltMeta struct {
	pageSize              uint32
	root, freelist, pgids uint64 // pgids: the page count (high-water mark)
	txid                  uint64
}

// readMeta reads and checks the meta page at page index i: its header,
// magic, version, checksum and page size.
func readMeta(r io.ReaderAt, off int64, i int) (boltMeta, error) {
	var buf [pageHeaderSize + 64]byte
	if _, err := r.ReadAt(buf[:], off); err != nil {
		return boltMeta{}, damaged("meta page %d cannot be read (%v): the file is truncated", i, err)
	}
	le := binary.LittleEndian
	m := buf[pageHeaderSize:]
	switch {
	case le.Uint32(m[0:]) != boltMagic:
		return boltMeta{}, damaged("meta page %d does not start with bbolt's magic number", i)
	case le.Uint32(m[4:]) != boltVersion:
		return boltMeta{}, damaged("meta page %d has format version %d, not %d", i, le.Uint32(m[4:]), boltVersion)
	}
	h := fnv.New64a()
	h.Write(m[:metaChecksumEnd])
	if h.Sum64() != le.Uint64(m[metaChecksumEnd:]) {
		return boltMeta{}, damaged("meta page %d fails its checksum", i)
	}
	meta := boltMeta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]), pgids: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}
	ps := meta.pageSize
	switch {
	case ps < 1024 || ps > 1<<16 || ps&(ps-1) != 0:
		return boltMeta{}, damaged("meta page %d gives page size %d", i, ps)
	case le.Uint64(buf[0:]) != uint64(i) || le.Uint16(buf[8:])&metaPageFlag == 0:
		return boltMeta{}, damaged("meta page %d has the header of another page", i)
	}
	return meta, nil
}

// readMetas reads both meta pages and checks that they agree with each
// other and with the file's size. It returns the newer, which bbolt uses.
func readMetas(r io.ReaderAt, size int64) (boltMeta, error) {
	m0, err := readMeta(r, 0, 0)
	if err != nil {
		// Neither meta page holds bbolt's magic number where a 4 KiB
		// page would put it: not a bbolt file at all.
		var magic [4]byte
		if _, rerr := r.ReadAt(magic[:], 4096+pageHeaderSize); rerr != nil || binary.LittleEndian.Uint32(magic[:]) != boltMagic {
			if _, rerr := r.ReadAt(magic[:], pageHeaderSize); rerr != nil || binary.LittleEndian.Uint32(magic[:]) != boltMagic {
				return boltMeta{}, berrors.ErrInvalid
			}
		}
		return boltMeta{}, err
	}
	m1, err := readMeta(r, int64(m0.pageSize), 1)
	if err != nil {
		return boltMeta{}, err
	}
	newer, older := m0, m1
	if m1.txid > m0.txid {
		newer, older = m1, m0
	}
	switch {
	case m0.pageSize != m1.pageSize:
		return boltMeta{}, damaged("the meta pages give page sizes %d and %d", m0.pageSize, m1.pageSize)
	case newer.txid-older.txid != 1:
		return boltMeta{}, damaged("the meta pages hold transactions %d and %d, not two in a row", m0.txid, m1.txid)
	case newer.pgids < older.pgids:
		return boltMeta{}, damaged("transaction %d has %d pages, fewer than the %d of the one before", newer.txid, newer.pgids, older.pgids)
	case newer.pgids > uint64(size)/uint64(newer.pageSize):
		return boltMeta{}, damaged("the file holds %d bytes, but its meta page counts %d pages of %d bytes: it was truncated", size, newer.pgids, newer.pageSize)
	case newer.root < 2 || newer.root >= newer.pgids || newer.freelist < 2 || newer.freelist >= newer.pgids:
		return boltMeta{}, damaged("the meta page of transaction %d names pages past the file's end (root %d, freelist %d of %d pages)", newer.txid, newer.root, newer.freelist, newer.pgids)
	}
	return newer, nil
}

// fullCheckMax is the largest file whose every page Open reads; a larger
// one gets the lighter check (see checkFile). "ca store check" reads every
// page of any file.
const fullCheckMax = 1 << 20

// holdsBuckets names the top-level buckets whose records are buckets.
var holdsBuckets = map[string]bool{string(bucketByIssuer): true, string(bucketRevoked): true, string(bucketCRLs): true}

// fileChecker walks the pages of one transaction, each read once.
type fileChecker struct {
	r       io.ReaderAt
	meta    boltMeta
	seen    []bool // pages reached so far, by id
	scratch []byte
	full    bool // read every leaf page, not only those holding buckets
}

// checkFile checks the bbolt file f of size bytes: both meta pages, then
// the pages of the newer one's tree, then its freelist. Every count,
// offset and length is checked against the page holding it before it is
// used, so what it reads is bounded by the file's size, and no page is
// read twice. With full, it reads every page and checks that each is
// either in the tree or free; without, it reads the branch pages and the
// leaf pages that hold buckets, and of the other leaf pages only that
// they are referenced once, are not free and are not branch pages:
// enough to rule out a cycle of pages or a page past the end, which
// would make bbolt loop or fault, at a small part of the cost.
func checkFile(f *os.File, size int64, full bool) error {
	meta, err := readMetas(f, size)
	if err != nil {
		return err
	}
	c := &fileChecker{r: f, meta: meta, seen: make([]bool, meta.pgids), full: full}
	c.seen[0], c.seen[1] = true, true
	if err := c.walk(meta.root, 0, nil, nil, 0, true); err != nil {
		return err
	}
	if err := c.checkFreelist(); err != nil {
		return err
	}
	for id, seen := range c.seen {
		if !seen && full {
			return damaged("page %d is neither in use nor free", id)
		}
	}
	return nil
}

// header reads the header of page id: its flags and overflow, after
// checking that it is within the file and has its own id.
func (c *fileChecker) header(id uint64) (uint16, uint64, error) {
	if id < 2 || id >= c.meta.pgids {
		return 0, 0, damaged("a reference to page %d, past the file's %d pages", id, c.meta.pgids)
	}
	var h [pageHeaderSize]byte
	if _, err := c.r.ReadAt(h[:], int64(id)*int64(c.meta.pageSize)); err != nil {
		return 0, 0, damaged("page %d cannot be read: %v", id, err)
	}
	le := binary.LittleEndian
	if le.Uint64(h[0:]) != id {
		return 0, 0, damaged("page %d has the header of page %d", id, le.Uint64(h[0:]))
	}
	return le.Uint16(h[8:]), uint64(le.Uint32(h[12:])), nil
}

// mark records that pages id to id+overflow are reached.
func (c *fileChecker) mark(id, overflow uint64) error {
	if id+overflow >= c.meta.pgids {
		return damaged("page %d claims %d overflow pages, past the file's %d pages", id, overflow, c.meta.pgids)
	}
	for p := id; p <= id+overflow; p++ {
		if c.seen[p] {
			return damaged("page %d is reached twice (a cycle, or two owners)", p)
		}
		c.seen[p] = true
	}
	return nil
}

// page returns the page id with its overflow pages, after checking its
// header: its id, that it is of a kind in want, and that it and its
// overflow are within the file and reached for the first time. A page
// without overflow is read into the checker's scratch buffer, which the
// next call overwrites.
func (c *fileChecker) page(id uint64, want uint16) ([]byte, error) {
	if id < 2 || id >= c.meta.pgids {
		return nil, damaged("a reference to page %d, past the file's %d pages", id, c.meta.pgids)
	}
	ps := int64(c.meta.pageSize)
	if c.scratch == nil {
		c.scratch = make([]byte, ps)
	}
	if _, err := c.r.ReadAt(c.scratch, int64(id)*ps); err != nil {
		return nil, damaged("page %d cannot be read: %v", id, err)
	}
	le := binary.LittleEndian
	flags, overflow := le.Uint16(c.scratch[8:]), uint64(le.Uint32(c.scratch[12:]))
	switch {
	case le.Uint64(c.scratch) != id:
		return nil, damaged("page %d has the header of page %d", id, le.Uint64(c.scratch))
	case flags&want == 0 || flags&^want != 0:
		return nil, damaged("page %d has flags %#x where a page of kind %#x belongs", id, flags, want)
	}
	if err := c.mark(id, overflow); err != nil {
		return nil, err
	}
	if overflow == 0 {
		return c.scratch, nil
	}
	buf := make([]byte, int64(overflow+1)*ps)
	if _, err := c.r.ReadAt(buf, int64(id)*ps); err != nil {
		return nil, damaged("page %d cannot be read: %v", id, err)
	}
	return buf, nil
}

// markLeaves marks the children of branch page p, all leaves, as reached,
// without reading them.
func (c *fileChecker) markLeaves(p []byte, id uint64) error {
	n := int(binary.LittleEndian.Uint16(p[10:]))
	if n == 0 || pageHeaderSize+n*elementSize > len(p) {
		return damaged("branch page %d claims %d elements", id, n)
	}
	for i := range n {
		if err := c.mark(binary.LittleEndian.Uint64(p[pageHeaderSize+i*elementSize+8:]), 0); err != nil {
			return err
		}
	}
	return nil
}

// element is one element of a page: its flags (leaf pages), key and value
// (leaf) or child page (branch).
type element struct {
	flags uint32
	key   []byte
	value []byte
	child uint64
}

// elements decodes the elements of page p (a page, or an inline bucket's
// value), checking that each key and value lies within p and that the
// keys ascend from lo to below hi (nil: no bound).
func elements(p []byte, id uint64, lo, hi []byte) ([]element, error) {
	le := binary.LittleEndian
	branch := le.Uint16(p[8:])&branchPageFlag != 0
	n := int(le.Uint16(p[10:]))
	if pageHeaderSize+n*elementSize > len(p) {
		return nil, damaged("page %d claims %d elements, more than it holds", id, n)
	}
	out := make([]element, n)
	for i := range out {
		off := pageHeaderSize + i*elementSize
		e := p[off : off+elementSize]
		var pos, ksize, vsize uint64
		if branch {
			pos, ksize = uint64(le.Uint32(e[0:])), uint64(le.Uint32(e[4:]))
			out[i].child = le.Uint64(e[8:])
		} else {
			out[i].flags = le.Uint32(e[0:])
			pos, ksize, vsize = uint64(le.Uint32(e[4:])), uint64(le.Uint32(e[8:])), uint64(le.Uint32(e[12:]))
		}
		start := uint64(off) + pos
		if start+ksize+vsize > uint64(len(p)) {
			return nil, damaged("element %d of page %d lies past the page's end", i, id)
		}
		out[i].key, out[i].value = p[start:start+ksize], p[start+ksize:start+ksize+vsize]
		if (lo != nil && bytes.Compare(out[i].key, lo) < 0) || (hi != nil && bytes.Compare(out[i].key, hi) >= 0) {
			return nil, damaged("key %d of page %d is out of order", i, id)
		}
		lo = out[i].key
		if i > 0 && bytes.Equal(out[i].key, out[i-1].key) {
			return nil, damaged("page %d holds key %x twice", id, out[i].key)
		}
	}
	return out, nil
}

// walk checks the subtree under page id, whose keys lie in [lo, hi), of a
// bucket nested nest deep (0: the root bucket, which holds the others);
// it reads the bucket's leaf pages when leaves is set.
func (c *fileChecker) walk(id uint64, depth int, lo, hi []byte, nest int, leaves bool) error {
	return c.walkTree(id, depth, lo, hi, nest, leaves, new(int))
}

// walkTree is walk with the depth of the bucket's leaves below id, 0 until
// known: all of a bucket's leaves are at one depth, so once the first
// is found the others are marked as reached without being read.
func (c *fileChecker) walkTree(id uint64, depth int, lo, hi []byte, nest int, leaves bool, leafDepth *int) error {
	if depth > maxTreeDepth {
		return damaged("page %d is nested %d deep", id, depth)
	}
	p, err := c.page(id, branchPageFlag|leafPageFlag)
	if err != nil {
		return err
	}
	branch := binary.LittleEndian.Uint16(p[8:])&branchPageFlag != 0
	if branch && !leaves && *leafDepth == 0 && binary.LittleEndian.Uint16(p[10:]) > 0 && len(p) >= pageHeaderSize+elementSize {
		if flags, _, err := c.header(binary.LittleEndian.Uint64(p[pageHeaderSize+8:])); err != nil {
			return err
		} else if flags == leafPageFlag {
			*leafDepth = depth + 1
		}
	}
	if branch && !leaves && *leafDepth == depth+1 {
		return c.markLeaves(p, id)
	}
	es, err := elements(bytes.Clone(p), id, lo, hi)
	if err != nil {
		return err
	}
	if !branch {
		return c.buckets(es, id, depth, nest)
	}
	if len(es) == 0 {
		return damaged("branch page %d is empty", id)
	}
	for i, e := range es {
		next := hi
		if i+1 < len(es) {
			next = es[i+1].key
		}
		if err := c.walkTree(e.child, depth+1, e.key, next, nest, leaves, leafDepth); err != nil {
			return err
		}
	}
	return nil
}

// buckets checks the nested buckets among the elements of leaf page id,
// of a bucket nested nest deep.
func (c *fileChecker) buckets(es []element, id uint64, depth, nest int) error {
	for _, e := range es {
		switch {
		case e.flags == 0:
			continue
		case e.flags != bucketLeafFlag:
			return damaged("an element of page %d has flags %#x", id, e.flags)
		case len(e.value) < 16:
			return damaged("bucket %q in page %d has a value of %d bytes", e.key, id, len(e.value))
		}
		if root := binary.LittleEndian.Uint64(e.value); root != 0 {
			leaves := c.full || (nest == 0 && holdsBuckets[string(e.key)])
			if err := c.walk(root, depth+1, nil, nil, nest+1, leaves); err != nil {
				return err
			}
			continue
		}
		// An inline bucket: a leaf page inside the value, without nested buckets.
		inline := e.value[16:]
		if len(inline) < pageHeaderSize || binary.LittleEndian.Uint16(inline[8:]) != leafPageFlag {
			return damaged("inline bucket %q in page %d is not a leaf", e.key, id)
		}
		ies, err := elements(inline, id, nil, nil)
		if err != nil {
			return err
		}
		for _, ie := range ies {
			if ie.flags != 0 {
				return damaged("inline bucket %q in page %d has an element with flags %#x", e.key, id, ie.flags)
			}
		}
	}
	return nil
}

// checkFreelist checks the freelist page: every id it lists is within the
// file, listed once, in order, and not in use.
func (c *fileChecker) checkFreelist() error {
	id := c.meta.freelist
	p, err := c.page(id, freelistFlag)
	if err != nil {
		return err
	}
	le := binary.LittleEndian
	start, n := pageHeaderSize, uint64(le.Uint16(p[10:]))
	if n == 0xFFFF {
		if len(p) < pageHeaderSize+8 {
			return damaged("freelist page %d is cut short", id)
		}
		start, n = pageHeaderSize+8, le.Uint64(p[pageHeaderSize:])
	}
	if n > uint64(len(p)-start)/8 {
		return damaged("freelist page %d claims %d free pages, more than it holds", id, n)
	}
	var prev uint64
	for i := range int(n) {
		free := le.Uint64(p[start+8*i:])
		switch {
		case free < 2 || free >= c.meta.pgids:
			return damaged("the freelist lists page %d, past the file's %d pages", free, c.meta.pgids)
		case free <= prev:
			return damaged("the freelist lists page %d out of order", free)
		case c.seen[free]:
			return damaged("the freelist lists page %d, which is in use", free)
		}
		c.seen[free], prev = true, free
	}
	return nil
}
