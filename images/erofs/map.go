package erofs

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"slices"
	"sort"
	"strings"
)

// A Map says which bytes of an EROFS image hold what: the superblock,
// each inode, each file's data blocks and inline tail. [ReadMap] builds it
// from the image's metadata alone, without reading any regular file's
// data, so that block reads recorded while a guest ran can be turned into
// the files they belonged to.
//
// ReadMap reads uncompressed images with the FLAT_PLAIN and FLAT_INLINE
// data layouts: those that [Write] produces, and those of mkfs.erofs
// without compression, chunks or extra devices. Other layouts are
// rejected with an error that wraps [errors.ErrUnsupported].
//
// A Map is immutable and safe for concurrent use.
type Map struct {
	size      int64
	blockSize int64
	nodes     []mapNode
	links     map[int32][]link // further names of hard-linked files
	exts      []extent         // in image order, disjoint
}

// link is one name of an inode: the directory holding it and the name.
type link struct {
	parent int32 // index in Map.nodes; -1 for the root, which has no name
	name   string
}

// mapNode is one inode reached from the root.
type mapNode struct {
	nid  uint64
	size int64
	mode uint16 // Linux st_mode
	link link   // its first name in directory-walk order
}

// extent is a range of the image and what it holds.
type extent struct {
	off, len int64
	fileOff  int64
	node     int32 // index in Map.nodes; -1 for the superblock
	kind     ExtentKind
}

// ExtentKind says what a range of the image holds.
type ExtentKind uint8

const (
	// ExtentSuperblock is struct erofs_super_block at byte 1024, with its
	// extension slots.
	ExtentSuperblock ExtentKind = iota + 1
	// ExtentInode is an on-disk inode (struct erofs_inode_compact or
	// erofs_inode_extended) with its inline extended attributes.
	ExtentInode
	// ExtentData is part of a file's contents in whole data blocks (at the
	// inode's i_u block address): a regular file's bytes, a directory's
	// dirent blocks or a symbolic link's target. The last block's bytes
	// past the end of the file are not part of it.
	ExtentData
	// ExtentTail is the last partial block of a file's contents stored
	// right after its inode and inline xattrs, in the same block
	// (EROFS_INODE_FLAT_INLINE).
	ExtentTail
)

func (k ExtentKind) String() string {
	switch k {
	case ExtentSuperblock:
		return "superblock"
	case ExtentInode:
		return "inode"
	case ExtentData:
		return "data"
	case ExtentTail:
		return "tail"
	}
	return fmt.Sprintf("ExtentKind(%d)", k)
}

// Extent is a range of an image and what it holds.
type Extent struct {
	// Off and Len are the range in the image.
	Off, Len int64
	Kind     ExtentKind
	// FileOff is, for ExtentData and ExtentTail, the offset in the file's
	// contents of the byte at Off.
	FileOff int64
	// Paths are the names of the file the range belongs to, sorted in byte
	// order and in the form of [Entry.Path] ("." is the root). A hard-linked
	// file has several. Nil for the superblock. Extents of one file that
	// one call returns share the slice.
	Paths []string
	// Nid is the inode's number on disk (its offset in the metadata area
	// divided by 32); Mode its type and permissions; Size the length of
	// its contents. All zero for the superblock.
	Nid  uint64
	Mode fs.FileMode
	Size int64
}

// Range is a range of bytes of an image, such as one read request.
type Range struct {
	Off, Len int64
}

// FileUse says how much of one file some ranges of the image covered.
//
// The three counts differ in what they prove about a guest whose block
// reads the ranges are. A data block holds one file's bytes only, and the
// kernel reads it only to read that file, so Data > 0 shows that the
// guest read the file. An inode and an inline tail lie in a metadata
// block shared with other inodes, which the kernel reads to look up, stat
// or read any of them: Inode and Tail show that the guest read the file
// or a neighbour. Every file the guest opened has Inode set, so the list
// of all files with any of the three is complete, if larger than the
// truth.
type FileUse struct {
	// Paths are the file's names, sorted; several for a hard-linked file.
	Paths []string
	Nid   uint64
	Mode  fs.FileMode
	Size  int64
	// Data counts the bytes of the file's contents in whole data blocks
	// inside the ranges, Tail those of its inline tail.
	Data, Tail int64
	// Inode says that the ranges covered part of the file's inode.
	Inode bool
}

// Read returns the number of bytes of the file's contents inside the
// ranges, Data + Tail.
func (u *FileUse) Read() int64 { return u.Data + u.Tail }

// maxPath bounds a path's length, as Linux's PATH_MAX (4096 with the
// terminating NUL) does, so that the names a Map hands out stay in
// proportion to the image.
const maxPath = 4095

// The metadata cache of ReadMap: 16 chunks of 64 KiB.
const (
	cacheBytes = 1 << 20
	cacheChunk = 64 << 10
)

// Features of feature_incompat that leave the uncompressed layout as it
// is: ZERO_PADDING concerns compressed data only.
const incompatZeroPadding = 0x1

// ReadMap reads the metadata of the EROFS image of size bytes in r: the
// superblock, the inodes reachable from the root directory and the
// directories' entries. It reads no regular file's data.
//
// The image is treated as hostile: every offset is checked against size,
// a directory reached twice (a cycle or a hard-linked directory) is an
// error, as are overlapping extents, unsorted or malformed directory
// entries, inline tails that cross a block boundary and paths longer than
// 4095 bytes. Memory use is in proportion to the number of inodes and
// names, which the image size bounds.
func ReadMap(r io.ReaderAt, size int64) (*Map, error) {
	m, err := readMap(r, size)
	if err != nil {
		return nil, fmt.Errorf("erofs: %w", err)
	}
	return m, nil
}

func readMap(r io.ReaderAt, size int64) (*Map, error) {
	if size < superOffset+superSize {
		return nil, fmt.Errorf("image of %d bytes is shorter than a superblock", size)
	}
	// struct erofs_super_block.
	sb := make([]byte, superSize)
	if err := readFull(r, sb, superOffset); err != nil {
		return nil, fmt.Errorf("superblock: %w", err)
	}
	if magic := le.Uint32(sb[0:]); magic != superMagic {
		return nil, fmt.Errorf("bad magic %#x: not an EROFS image", magic)
	}
	bits := sb[12] // blkszbits
	if bits < 9 || bits > 16 {
		return nil, fmt.Errorf("block size 2^%d: not from 512 to 65536", bits)
	}
	bs := int64(1) << bits
	sbEnd := int64(superOffset+superSize) + 16*int64(sb[13]) // sb_extslots
	if sbEnd > (superOffset/bs+1)*bs || sbEnd > size {
		return nil, fmt.Errorf("superblock of %d extension slots past its block", sb[13])
	}
	if incompat := le.Uint32(sb[80:]); incompat&^incompatZeroPadding != 0 {
		return nil, fmt.Errorf("incompatible features %#x (compression, chunks, devices or others): %w",
			incompat, errors.ErrUnsupported)
	}
	if sb[90] != 0 {
		return nil, fmt.Errorf("directory block size 2^%d above the block size: %w", int(bits)+int(sb[90]), errors.ErrUnsupported)
	}
	if le.Uint32(sb[8:])&featureCompatSBChecksum != 0 {
		// The CRC-32C, checksum field zero, of the rest of block 0 from
		// the superblock on, or of one block's worth of bytes when blocks
		// are smaller (erofs_superblock_csum_verify).
		n := bs
		if n > superOffset {
			n -= superOffset
		}
		if superOffset+n > size {
			return nil, errors.New("superblock checksum over bytes past the end of the image")
		}
		blk := make([]byte, n)
		if err := readFull(r, blk, superOffset); err != nil {
			return nil, fmt.Errorf("block 0: %w", err)
		}
		want := le.Uint32(blk[4:])
		le.PutUint32(blk[4:], 0)
		if got := ^crc32.Checksum(blk, castagnoli); got != want {
			return nil, fmt.Errorf("superblock checksum %#x, computed %#x", want, got)
		}
	}
	metaBase := int64(le.Uint32(sb[40:])) * bs // meta_blkaddr
	if metaBase >= size {
		return nil, fmt.Errorf("metadata block %d outside the image", le.Uint32(sb[40:]))
	}

	w := &mapWalker{
		m:        &Map{size: size, blockSize: bs, links: map[int32][]link{}},
		c:        newMetaCache(r, size, bs),
		metaBase: metaBase,
		index:    map[uint64]int32{},
	}
	w.m.exts = append(w.m.exts, extent{off: superOffset, len: sbEnd - superOffset, node: -1, kind: ExtentSuperblock})
	if err := w.walk(uint64(le.Uint16(sb[14:]))); err != nil { // root_nid
		return nil, err
	}
	m := w.m
	if len(m.links) == 0 {
		m.links = nil
	}
	m.exts = mergeExtents(m.exts, w.blocks)
	for i := 1; i < len(m.exts); i++ {
		a, b := &m.exts[i-1], &m.exts[i]
		if a.off+a.len > b.off {
			return nil, fmt.Errorf("%s of %s overlaps %s of %s at byte %d",
				a.kind, m.describe(a.node), b.kind, m.describe(b.node), b.off)
		}
	}
	return m, nil
}

// mergeExtents returns the extents of the metadata area (superblock,
// inodes, tails) and those of the data blocks in image order. Each list
// comes in the order of the walk, which is image order for the images
// Write makes; otherwise it is sorted first.
func mergeExtents(meta, blocks []extent) []extent {
	// Offsets are distinct unless extents overlap, which is an error
	// whichever of the two comes first.
	byOff := func(a, b extent) int { return cmp.Compare(a.off, b.off) }
	for _, l := range [][]extent{meta, blocks} {
		if !slices.IsSortedFunc(l, byOff) {
			slices.SortFunc(l, byOff)
		}
	}
	out := make([]extent, 0, len(meta)+len(blocks))
	for len(meta) > 0 && len(blocks) > 0 {
		if meta[0].off <= blocks[0].off {
			out, meta = append(out, meta[0]), meta[1:]
		} else {
			out, blocks = append(out, blocks[0]), blocks[1:]
		}
	}
	out = append(out, meta...)
	return append(out, blocks...)
}

// describe names a node for an error message.
func (m *Map) describe(node int32) string {
	if node < 0 {
		return "the superblock"
	}
	return fmt.Sprintf("%q (nid %d)", m.path(m.nodes[node].link), m.nodes[node].nid)
}

// mapWalker walks the directory tree from the root.
type mapWalker struct {
	m        *Map
	c        *metaCache
	metaBase int64
	index    map[uint64]int32 // nid to index in m.nodes
	dirBytes int64            // contents of the directories queued so far
	pathLen  []int            // of each node's first path
	queue    []queuedDir      // directories to read, a stack
	blocks   []extent         // ExtentData extents; the others go to m.exts
	block    []byte
}

// queuedDir is a directory waiting to be read, with its contents: whole
// blocks and inline tail, either of them of length zero.
type queuedDir struct {
	node  int32
	parts [2]extent
}

// walk reads the root inode and every directory below it. Each directory
// is read once: a second dirent naming one is an error, so that a cyclic
// image cannot make the walk loop.
func (w *mapWalker) walk(rootNid uint64) error {
	root, err := w.inode(rootNid, link{parent: -1}, 0)
	if err != nil {
		return fmt.Errorf("root directory: %w", err)
	}
	if w.m.nodes[root].mode&sIFMT != sIFDIR {
		return errors.New("root inode is not a directory")
	}
	// Depth first, in name order, as Write lays inodes out: the metadata
	// is read nearly in image order.
	for len(w.queue) > 0 {
		d := w.queue[len(w.queue)-1]
		w.queue = w.queue[:len(w.queue)-1]
		n := len(w.queue)
		if err := w.dir(d); err != nil {
			return fmt.Errorf("%s: %w", w.m.path(w.m.nodes[d.node].link), err)
		}
		slices.Reverse(w.queue[n:])
	}
	return nil
}

// inode reads the inode at nid, named by l, and records its extents. It
// returns the node's index.
func (w *mapWalker) inode(nid uint64, l link, plen int) (int32, error) {
	m := w.m
	bs := m.blockSize
	if nid > uint64(m.size-w.metaBase)/slotSize {
		return 0, fmt.Errorf("nid %d outside the image", nid)
	}
	off := w.metaBase + int64(nid)*slotSize // erofs_iloc
	if off+compactSize > m.size {
		return 0, fmt.Errorf("nid %d outside the image", nid)
	}
	var b [extendedSize]byte
	if err := w.c.read(b[:compactSize], off); err != nil {
		return 0, fmt.Errorf("nid %d: %w", nid, err)
	}
	format := le.Uint16(b[0:]) // i_format
	if format&^0xf != 0 {
		return 0, fmt.Errorf("nid %d: inode format %#x: %w", nid, format, errors.ErrUnsupported)
	}
	isize := int64(compactSize)
	var size int64
	if format&formatExtended == 0 {
		size = int64(le.Uint32(b[8:]))
	} else {
		isize = extendedSize
		if off+extendedSize > m.size {
			return 0, fmt.Errorf("nid %d: extended inode past the end of the image", nid)
		}
		if err := w.c.read(b[compactSize:], off+compactSize); err != nil {
			return 0, fmt.Errorf("nid %d: %w", nid, err)
		}
		u := le.Uint64(b[8:])
		if u > math.MaxInt64 {
			return 0, fmt.Errorf("nid %d: size %d", nid, u)
		}
		size = int64(u)
	}
	// Inline xattrs follow the inode: struct erofs_xattr_ibody_header
	// (12 bytes), then i_xattr_icount-1 more 4-byte slots
	// (erofs_xattr_ibody_size).
	if n := int64(le.Uint16(b[2:])); n > 0 {
		isize += 12 + 4*(n-1)
	}
	if off+isize > m.size {
		return 0, fmt.Errorf("nid %d: inline xattrs past the end of the image", nid)
	}
	mode := le.Uint16(b[4:])
	switch layout := format >> layoutShift; layout {
	case layoutPlain, layoutInline:
	case 1, 3: // EROFS_INODE_COMPRESSED_FULL, _COMPACT
		return 0, fmt.Errorf("nid %d: compressed data layout %d: %w", nid, layout, errors.ErrUnsupported)
	case 4: // EROFS_INODE_CHUNK_BASED
		return 0, fmt.Errorf("nid %d: chunk-based data layout: %w", nid, errors.ErrUnsupported)
	default:
		return 0, fmt.Errorf("nid %d: unknown data layout %d: %w", nid, layout, errors.ErrUnsupported)
	}

	idx := int32(len(m.nodes))
	if len(m.nodes) >= math.MaxInt32 {
		return 0, errors.New("too many inodes")
	}
	var data [2]extent // whole blocks, tail
	switch mode & sIFMT {
	case sIFREG, sIFDIR, sIFLNK:
		// Flat data (erofs_map_blocks_flat): whole blocks from i_u, and
		// with FLAT_INLINE the last, partial or not, after the inode.
		if size > m.size {
			return 0, fmt.Errorf("nid %d: size %d exceeds the image", nid, size)
		}
		full := (size + bs - 1) / bs
		var tail int64
		if format>>layoutShift == layoutInline && size > 0 {
			full--
			tail = size - full*bs
		}
		if full > 0 {
			start := int64(le.Uint32(b[16:])) * bs
			n := min(size, full*bs)
			if start+n > m.size {
				return 0, fmt.Errorf("nid %d: data blocks %d+%d outside the image", nid, start/bs, full)
			}
			data[0] = extent{off: start, len: n, node: idx, kind: ExtentData}
		}
		if tail > 0 {
			t := off + isize
			if t%bs+tail > bs || t+tail > m.size {
				return 0, fmt.Errorf("nid %d: inline tail of %d bytes crosses a block boundary", nid, tail)
			}
			data[1] = extent{off: t, len: tail, fileOff: full * bs, node: idx, kind: ExtentTail}
		}
	case sIFCHR, sIFBLK, sIFIFO, sIFSOCK:
		size = 0 // i_u holds the device number; there are no contents
	default:
		return 0, fmt.Errorf("nid %d: mode %#o", nid, mode)
	}
	m.nodes = append(m.nodes, mapNode{nid: nid, size: size, mode: mode, link: l})
	w.pathLen = append(w.pathLen, plen)
	w.index[nid] = idx
	m.exts = append(m.exts, extent{off: off, len: isize, node: idx, kind: ExtentInode})
	if data[0].len > 0 {
		w.blocks = append(w.blocks, data[0])
	}
	if data[1].len > 0 {
		m.exts = append(m.exts, data[1])
	}
	if mode&sIFMT == sIFDIR {
		// Directories hold disjoint ranges of the image, so their sizes
		// add up to less than its size. Checked now, before the ranges
		// are, this bounds the work of reading a hostile image whose
		// directories all share the same blocks.
		w.dirBytes += size
		if w.dirBytes > m.size {
			return 0, fmt.Errorf("nid %d: directories of %d bytes in all, more than the image", nid, w.dirBytes)
		}
		w.queue = append(w.queue, queuedDir{idx, data})
	}
	return idx, nil
}

// dir reads the entries of a directory, block by block, and the inodes
// they name.
func (w *mapWalker) dir(d queuedDir) error {
	bs := w.m.blockSize
	if w.block == nil {
		w.block = make([]byte, bs)
	}
	var prev []byte
	havePrev := false
	for _, p := range d.parts {
		for pos := int64(0); pos < p.len; pos += bs {
			blk := w.block[:min(bs, p.len-pos)]
			// Whole blocks lie among file data, each read once: read
			// them alone. A tail follows the inode, in the cache.
			var err error
			if p.kind == ExtentData {
				err = readFull(w.c.r, blk, p.off+pos)
			} else {
				err = w.c.read(blk, p.off+pos)
			}
			if err != nil {
				return err
			}
			err = dirBlock(blk, func(name []byte, nid uint64, ft uint8) error {
				if havePrev && bytes.Compare(prev, name) >= 0 {
					return fmt.Errorf("names out of order: %q then %q", prev, name)
				}
				prev = append(prev[:0], name...)
				havePrev = true
				if string(name) == "." || string(name) == ".." {
					return nil
				}
				return w.child(d.node, string(name), nid, ft)
			})
			if err != nil {
				return fmt.Errorf("directory block at byte %d: %w", p.off+pos, err)
			}
		}
	}
	return nil
}

// child records the dirent name -> nid of directory dir.
func (w *mapWalker) child(dir int32, name string, nid uint64, ft uint8) error {
	m := w.m
	if strings.IndexByte(name, '/') >= 0 || strings.IndexByte(name, 0) >= 0 {
		return fmt.Errorf("invalid name %q", name)
	}
	plen := w.pathLen[dir] + 1 + len(name)
	if m.nodes[dir].link.parent < 0 {
		plen = len(name)
	}
	if plen > maxPath {
		return fmt.Errorf("%q: path longer than %d bytes", name, maxPath)
	}
	l := link{parent: dir, name: name}
	if idx, ok := w.index[nid]; ok {
		n := &m.nodes[idx]
		if n.mode&sIFMT == sIFDIR {
			return fmt.Errorf("%q: directory nid %d reached a second time", name, nid)
		}
		if fileType(n.mode) != ft {
			return fmt.Errorf("%q: dirent type %d, inode type %d", name, ft, fileType(n.mode))
		}
		m.links[idx] = append(m.links[idx], l) // a hard link
		return nil
	}
	idx, err := w.inode(nid, l, plen)
	if err != nil {
		return fmt.Errorf("%q: %w", name, err)
	}
	if got := fileType(m.nodes[idx].mode); got != ft {
		return fmt.Errorf("%q: dirent type %d, inode type %d", name, ft, got)
	}
	return nil
}

// dirBlock calls fn for each entry of one directory block: struct
// erofs_dirent records, then their names, without terminators except
// that the last name may be followed by NUL padding. The first record's
// nameoff gives the number of records (erofs_fill_dentries).
func dirBlock(blk []byte, fn func(name []byte, nid uint64, ft uint8) error) error {
	if len(blk) < direntSize {
		return fmt.Errorf("%d bytes", len(blk))
	}
	first := int(le.Uint16(blk[8:]))
	if first < direntSize || first >= len(blk) || first%direntSize != 0 {
		return fmt.Errorf("first nameoff %d", first)
	}
	n := first / direntSize
	for i := range n {
		de := blk[i*direntSize:]
		nameoff := int(le.Uint16(de[8:]))
		var end int
		if i+1 < n {
			end = int(le.Uint16(blk[(i+1)*direntSize+8:]))
		} else {
			end = len(blk)
			if nameoff < end {
				if z := bytes.IndexByte(blk[nameoff:], 0); z >= 0 {
					end = nameoff + z
				}
			}
		}
		if nameoff < first || end <= nameoff || end > len(blk) || end-nameoff > maxNameLen {
			return fmt.Errorf("dirent %d: name at %d..%d", i, nameoff, end)
		}
		if err := fn(blk[nameoff:end], le.Uint64(de[0:]), de[10]); err != nil {
			return err
		}
	}
	return nil
}

// metaCache reads inodes through a small direct-mapped cache of 64 KiB
// chunks: inodes lie close together, and are read in an order near that
// of the image, so that a chunk serves many. (Reading each inode alone
// would cost a system call each; reading the block around it, a system
// call for every few.)
type metaCache struct {
	r      io.ReaderAt
	size   int64
	unit   int64   // bytes in a chunk: a multiple of the block size
	tags   []int64 // chunk number held by each slot, -1 if none
	chunks []byte
}

func newMetaCache(r io.ReaderAt, size, bs int64) *metaCache {
	// A chunk need not be larger than the image (rounded up to a block):
	// a small image would pay for zeroing 64 KiB to read a few inodes.
	unit := max(bs, min(cacheChunk, alignUp(size, bs)))
	slots := max(1, min(cacheBytes/unit, (size+unit-1)/unit))
	c := &metaCache{r: r, size: size, unit: unit, tags: make([]int64, slots), chunks: make([]byte, slots*unit)}
	for i := range c.tags {
		c.tags[i] = -1
	}
	return c
}

// read fills p from offset off, which the caller has checked lies inside
// the image.
func (c *metaCache) read(p []byte, off int64) error {
	for len(p) > 0 {
		chunk := off / c.unit
		slot := chunk % int64(len(c.tags))
		buf := c.chunks[slot*c.unit : (slot+1)*c.unit]
		if c.tags[slot] != chunk {
			n := min(c.unit, c.size-chunk*c.unit)
			if n <= 0 {
				return fmt.Errorf("read at %d: past the end of the image", off)
			}
			c.tags[slot] = -1
			if err := readFull(c.r, buf[:n], chunk*c.unit); err != nil {
				return err
			}
			clear(buf[n:])
			c.tags[slot] = chunk
		}
		k := copy(p, buf[off-chunk*c.unit:])
		p = p[k:]
		off += int64(k)
	}
	return nil
}

// readFull reads len(p) bytes at off; io.EOF with all of them is success.
func readFull(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("read %d bytes at %d: %w", len(p), off, err)
}

// BlockSize returns the image's block size in bytes.
func (m *Map) BlockSize() int64 { return m.blockSize }

// Size returns the size of the image in bytes, as given to ReadMap.
func (m *Map) Size() int64 { return m.size }

// Len returns the number of inodes reached from the root directory.
func (m *Map) Len() int { return len(m.nodes) }

// path returns the path that link l names, as in [Entry.Path].
func (m *Map) path(l link) string {
	if l.parent < 0 {
		return "."
	}
	var elems []string
	n := 0
	for ; l.parent >= 0; l = m.nodes[l.parent].link {
		elems = append(elems, l.name)
		n += len(l.name) + 1
	}
	var b strings.Builder
	b.Grow(n)
	for i := len(elems) - 1; i >= 0; i-- {
		b.WriteString(elems[i])
		if i > 0 {
			b.WriteByte('/')
		}
	}
	return b.String()
}

// paths returns every path of node i, sorted.
func (m *Map) paths(i int32) []string {
	ps := []string{m.path(m.nodes[i].link)}
	for _, l := range m.links[i] {
		ps = append(ps, m.path(l))
	}
	slices.Sort(ps)
	return ps
}

// first returns the index of the first extent that ends after off.
func (m *Map) first(off int64) int {
	return sort.Search(len(m.exts), func(i int) bool { return m.exts[i].off+m.exts[i].len > off })
}

// Lookup returns what the bytes [off, off+n) of the image hold, in image
// order: one Extent for each superblock, inode or contents range that
// overlaps them, cut to the range asked for (so that FileOff is that of
// the byte at Off). Bytes that belong to nothing (padding, unreachable
// inodes, the 1024 bytes before the superblock) have no Extent.
func (m *Map) Lookup(off, n int64) []Extent {
	if n <= 0 {
		return nil
	}
	end := off + n
	if end < off {
		end = math.MaxInt64
	}
	var out []Extent
	var lastNode int32 = -1
	var lastPaths []string
	for i := m.first(off); i < len(m.exts) && m.exts[i].off < end; i++ {
		e := &m.exts[i]
		lo, hi := max(e.off, off), min(e.off+e.len, end)
		x := Extent{Off: lo, Len: hi - lo, Kind: e.kind}
		if e.node >= 0 {
			if e.node != lastNode {
				lastNode, lastPaths = e.node, m.paths(e.node)
			}
			nd := &m.nodes[e.node]
			x.Paths, x.Nid, x.Mode, x.Size = lastPaths, nd.nid, goMode(nd.mode), nd.size
			if e.kind == ExtentData || e.kind == ExtentTail {
				x.FileOff = e.fileOff + lo - e.off
			}
		}
		out = append(out, x)
	}
	return out
}

// Files returns the files whose inode or contents the ranges cover, one
// FileUse per inode (a hard-linked file lists all its paths), sorted by
// first path. Overlapping ranges count once. See [FileUse] for what its
// counts say about the files a guest read.
func (m *Map) Files(ranges []Range) []FileUse {
	// Clip the ranges to the image, sort them and merge those that
	// overlap or touch.
	rs := make([]Range, 0, len(ranges))
	for _, r := range ranges {
		lo, end := max(r.Off, 0), r.Off+r.Len
		if end < r.Off && r.Len > 0 {
			end = math.MaxInt64
		}
		end = min(end, m.size)
		if end > lo {
			rs = append(rs, Range{lo, end - lo})
		}
	}
	slices.SortFunc(rs, func(a, b Range) int { return cmp.Compare(a.Off, b.Off) })
	merged := rs[:0]
	for _, r := range rs {
		end := r.Off + r.Len
		if k := len(merged); k > 0 && r.Off <= merged[k-1].Off+merged[k-1].Len {
			last := &merged[k-1]
			last.Len = max(last.Len, end-last.Off)
			continue
		}
		merged = append(merged, Range{r.Off, end - r.Off})
	}

	use := map[int32]*FileUse{}
	for _, r := range merged {
		end := r.Off + r.Len
		for i := m.first(r.Off); i < len(m.exts) && m.exts[i].off < end; i++ {
			e := &m.exts[i]
			if e.node < 0 {
				continue
			}
			u := use[e.node]
			if u == nil {
				nd := &m.nodes[e.node]
				u = &FileUse{Paths: m.paths(e.node), Nid: nd.nid, Mode: goMode(nd.mode), Size: nd.size}
				use[e.node] = u
			}
			n := min(e.off+e.len, end) - max(e.off, r.Off)
			switch e.kind {
			case ExtentInode:
				u.Inode = true
			case ExtentData:
				u.Data += n
			case ExtentTail:
				u.Tail += n
			}
		}
	}
	out := make([]FileUse, 0, len(use))
	for _, u := range use {
		out = append(out, *u)
	}
	slices.SortFunc(out, func(a, b FileUse) int { return strings.Compare(a.Paths[0], b.Paths[0]) })
	return out
}

// goMode converts a Linux st_mode into a Go file mode.
func goMode(mode uint16) fs.FileMode {
	m := fs.FileMode(mode) & fs.ModePerm
	switch mode & sIFMT {
	case sIFDIR:
		m |= fs.ModeDir
	case sIFLNK:
		m |= fs.ModeSymlink
	case sIFBLK:
		m |= fs.ModeDevice
	case sIFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case sIFIFO:
		m |= fs.ModeNamedPipe
	case sIFSOCK:
		m |= fs.ModeSocket
	}
	if mode&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if mode&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if mode&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}
