package erofs

import (
	"errors"
	"fmt"
	"math"
)

// layout is the position of every inode and data block in the image.
type layout struct {
	blockSize int64
	nodes     []*node // depth-first, sorted, root first: the order of inodes and data
	metaEnd   int64   // end of the last inode or inline tail, in bytes
	dataStart int64   // first data block
	blocks    int64   // image size in blocks
}

// dirent is one directory entry before it is encoded.
type dirent struct {
	name string
	n    *node
}

// dirents are a directory's entries in the order the kernel's binary
// search needs: byte order of the names, "." and ".." among them.
func dirents(n *node) []dirent {
	parent := n.parent
	if parent == nil {
		parent = n // the root's ".." is itself
	}
	ds := make([]dirent, 0, len(n.children)+2)
	ds = append(ds, dirent{".", n}, dirent{"..", parent})
	// Children are sorted already; merge "." and ".." into place.
	for _, c := range n.children {
		ds = append(ds, dirent{c.name, c})
	}
	sortDirents(ds)
	return ds
}

// sortDirents sorts by name in byte order. Children arrive sorted, so an
// insertion sort that moves the two dot entries is linear.
func sortDirents(ds []dirent) {
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && ds[j].name < ds[j-1].name; j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}

// dirBlocks splits dirents into directory blocks: each block holds as many
// dirents (12 bytes each) followed by their names (no terminator) as fit.
// It returns the index of each block's first dirent and the bytes used in
// the last block.
func dirBlocks(ds []dirent, blockSize int64) (starts []int, lastUsed int64) {
	var used int64
	for i, d := range ds {
		need := direntSize + int64(len(d.name))
		if i == 0 || used+need > blockSize {
			starts = append(starts, i)
			used = 0
		}
		used += need
	}
	return starts, used
}

// encodeDir returns a directory's contents; the nids must be assigned.
func encodeDir(ds []dirent, blockSize int64) []byte {
	starts, lastUsed := dirBlocks(ds, blockSize)
	size := int64(len(starts)-1)*blockSize + lastUsed
	buf := make([]byte, size)
	for b, start := range starts {
		end := len(ds)
		if b+1 < len(starts) {
			end = starts[b+1]
		}
		blk := buf[int64(b)*blockSize:]
		nameoff := direntSize * (end - start)
		for i, d := range ds[start:end] {
			de := blk[i*direntSize:]
			le.PutUint64(de[0:], d.n.nid)
			le.PutUint16(de[8:], uint16(nameoff))
			de[10] = fileType(d.n.mode)
			nameoff += copy(blk[nameoff:], d.name)
		}
	}
	return buf
}

// plan orders the nodes, sizes the directories, places every inode in the
// metadata area after the superblock and every data block after it.
func plan(root *node, blockSize int64) (*layout, error) {
	l := &layout{blockSize: blockSize}
	var walk func(n *node)
	walk = func(n *node) {
		l.nodes = append(l.nodes, n)
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(root)
	if len(l.nodes) > math.MaxUint32 {
		return nil, fmt.Errorf("%d inodes: too many", len(l.nodes))
	}

	// Sizes and link counts first: a directory's size depends only on
	// its names, so it is known before any nid is.
	for i, n := range l.nodes {
		n.ino = uint32(i + 1)
		n.nlink = 1
		if n.mode&sIFMT == sIFDIR {
			n.nlink = 2
			for _, c := range n.children {
				if c.mode&sIFMT == sIFDIR {
					n.nlink++
				}
			}
			starts, lastUsed := dirBlocks(dirents(n), blockSize)
			n.size = int64(len(starts)-1)*blockSize + lastUsed
		}
		n.extended = n.uid > math.MaxUint16 || n.gid > math.MaxUint16 ||
			n.size > math.MaxUint32 || n.nlink > math.MaxUint16
	}

	// Inodes and inline tails: 32-byte aligned; an inode together with its
	// tail never crosses a block boundary (the kernel requires it of inline
	// data and reads each inode from one block this way).
	off := int64(superOffset + superSize)
	for _, n := range l.nodes {
		isize := int64(compactSize)
		if n.extended {
			isize = extendedSize
		}
		tail := n.size % blockSize
		n.inline = tail > 0 && isize+tail <= blockSize
		need := isize
		if n.inline {
			need += tail
		}
		off = alignUp(off, slotSize)
		if off%blockSize+need > blockSize {
			off = alignUp(off, blockSize)
		}
		n.nid = uint64(off / slotSize)
		off += need
	}
	if root.nid > maxRootNid {
		return nil, errors.New("root nid does not fit in 16 bits") // cannot happen: root is first
	}
	l.metaEnd = off
	l.dataStart = alignUp(off, blockSize) / blockSize

	block := l.dataStart
	for _, n := range l.nodes {
		if n.inline {
			n.nblocks = n.size / blockSize
		} else {
			n.nblocks = (n.size + blockSize - 1) / blockSize
		}
		if n.nblocks > 0 {
			n.blkaddr = uint32(block)
		}
		block += n.nblocks
		if block > math.MaxUint32 {
			return nil, fmt.Errorf("image of %d blocks: more than 2^32", block)
		}
	}
	l.blocks = block

	for _, n := range l.nodes {
		if n.mode&sIFMT == sIFDIR {
			n.data = encodeDir(dirents(n), blockSize)
		}
	}
	return l, nil
}

func alignUp(x, a int64) int64 { return (x + a - 1) / a * a }
