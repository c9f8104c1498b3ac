package erofs

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

var le = binary.LittleEndian

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Write writes the image of entries to w, sequentially from byte 0.
// The same entries, in any order, with the same options give the same
// bytes. Regular files given by [Entry.Content] are read once each, in
// the image's order.
func Write(w io.Writer, entries []Entry, opts Options) error {
	bs := int64(opts.BlockSize)
	// Block 0 must hold the superblock at byte 1024 and the rest of the
	// block its checksum covers.
	if bs < 2048 || bs > 65536 || bs&(bs-1) != 0 {
		return fmt.Errorf("erofs: block size %d is not a power of two from 2048 to 65536", opts.BlockSize)
	}
	if opts.MTime < 0 {
		return fmt.Errorf("erofs: negative mtime %d", opts.MTime)
	}
	if len(opts.VolumeName) > 16 {
		return fmt.Errorf("erofs: volume name %q longer than 16 bytes", opts.VolumeName)
	}
	root, err := buildTree(entries, int(bs))
	if err != nil {
		return fmt.Errorf("erofs: %w", err)
	}
	l, err := plan(root, bs)
	if err != nil {
		return fmt.Errorf("erofs: %w", err)
	}
	// A buffer larger than the image would only cost its allocation, which
	// dominates writing a small image.
	iw := &imageWriter{w: bufio.NewWriterSize(w, int(min(1<<20, l.blocks*bs))), head: make([]byte, 0, bs), blockSize: bs}
	if err := iw.image(l, &opts); err != nil {
		return fmt.Errorf("erofs: %w", err)
	}
	return nil
}

// imageWriter writes the image in order. It holds block 0 back until it is
// complete, because the superblock's checksum covers all of it.
type imageWriter struct {
	w         *bufio.Writer
	head      []byte // block 0, until full
	blockSize int64
	pos       int64
	buf       []byte
}

func (iw *imageWriter) Write(p []byte) (int, error) {
	n := len(p)
	if room := cap(iw.head) - len(iw.head); room > 0 {
		k := min(room, len(p))
		iw.head = append(iw.head, p[:k]...)
		p = p[k:]
		if len(iw.head) == cap(iw.head) {
			sumSuperblock(iw.head)
			if _, err := iw.w.Write(iw.head); err != nil {
				return 0, err
			}
		}
	}
	if len(p) > 0 {
		if _, err := iw.w.Write(p); err != nil {
			return 0, err
		}
	}
	iw.pos += int64(n)
	return n, nil
}

// padTo writes zeros up to byte offset off.
func (iw *imageWriter) padTo(off int64) error {
	var zero [512]byte
	for iw.pos < off {
		if _, err := iw.Write(zero[:min(off-iw.pos, int64(len(zero)))]); err != nil {
			return err
		}
	}
	return nil
}

// sumSuperblock stores the CRC-32C of block 0 from the superblock on, taken
// with the checksum field zero. Linux computes crc32c(~0, ...) without the
// final inversion that hash/crc32 applies, hence the complement.
func sumSuperblock(block0 []byte) {
	sb := block0[superOffset:]
	le.PutUint32(sb[4:], 0)
	le.PutUint32(sb[4:], ^crc32.Checksum(sb, castagnoli))
}

func (iw *imageWriter) image(l *layout, opts *Options) error {
	bs := l.blockSize
	if err := iw.padTo(superOffset); err != nil {
		return err
	}
	if _, err := iw.Write(superblock(l, opts)); err != nil {
		return err
	}
	for _, n := range l.nodes {
		if err := iw.padTo(int64(n.nid) * slotSize); err != nil {
			return err
		}
		if _, err := iw.Write(encodeInode(n, opts.MTime)); err != nil {
			return err
		}
		if n.inline {
			tail := n.size % bs
			if err := iw.contents(n, n.size-tail, tail); err != nil {
				return fmt.Errorf("%s: %w", n.path, err)
			}
		}
	}
	for _, n := range l.nodes {
		if n.nblocks == 0 {
			continue
		}
		if err := iw.padTo(int64(n.blkaddr) * bs); err != nil {
			return err
		}
		length := min(n.size, n.nblocks*bs)
		if err := iw.contents(n, 0, length); err != nil {
			return fmt.Errorf("%s: %w", n.path, err)
		}
	}
	if err := iw.padTo(l.blocks * bs); err != nil {
		return err
	}
	return iw.w.Flush()
}

// contents copies length bytes of a node's contents from offset off.
func (iw *imageWriter) contents(n *node, off, length int64) error {
	if n.content == nil {
		_, err := iw.Write(n.data[off : off+length])
		return err
	}
	if iw.buf == nil {
		iw.buf = make([]byte, 1<<20)
	}
	for length > 0 {
		k := min(length, int64(len(iw.buf)))
		got, err := n.content.ReadAt(iw.buf[:k], off)
		if int64(got) < k {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("read contents at %d: %w", off+int64(got), err)
		}
		if _, err := iw.Write(iw.buf[:k]); err != nil {
			return err
		}
		off += k
		length -= k
	}
	return nil
}

// superblock encodes struct erofs_super_block, checksum zero.
func superblock(l *layout, opts *Options) []byte {
	sb := make([]byte, superSize)
	le.PutUint32(sb[0:], superMagic)
	le.PutUint32(sb[8:], featureCompatSBChecksum)
	sb[12] = byte(bitLen(l.blockSize)) // blkszbits
	// sb[13] sb_extslots = 0
	le.PutUint16(sb[14:], uint16(l.nodes[0].nid)) // root_nid
	le.PutUint64(sb[16:], uint64(len(l.nodes)))   // inos
	le.PutUint64(sb[24:], uint64(opts.MTime))     // build_time: compact inodes' mtime
	// sb[32:36] build_time_nsec = 0
	le.PutUint32(sb[36:], uint32(l.blocks)) // blocks
	// sb[40:44] meta_blkaddr = 0: nids count from byte 0
	// sb[44:48] xattr_blkaddr = 0: no shared xattrs
	copy(sb[48:64], opts.UUID[:])
	copy(sb[64:80], opts.VolumeName)
	// feature_incompat, dirblkbits and the rest stay zero
	return sb
}

func bitLen(x int64) int {
	n := 0
	for x > 1 {
		x >>= 1
		n++
	}
	return n
}

// encodeInode encodes struct erofs_inode_compact or erofs_inode_extended.
func encodeInode(n *node, mtime int64) []byte {
	layoutBits := uint16(layoutPlain)
	if n.inline {
		layoutBits = layoutInline
	}
	// i_u: the first data block, or the device number.
	iu := n.blkaddr
	if t := n.mode & sIFMT; t == sIFCHR || t == sIFBLK {
		iu = n.rdev
	}
	if !n.extended {
		b := make([]byte, compactSize)
		le.PutUint16(b[0:], layoutBits<<layoutShift)
		// b[2:4] i_xattr_icount = 0
		le.PutUint16(b[4:], n.mode)
		le.PutUint16(b[6:], uint16(n.nlink))
		le.PutUint32(b[8:], uint32(n.size))
		// b[12:16] i_reserved (i_mtime relative to build_time in newer
		// kernels with COMPAT_MTIME): 0
		le.PutUint32(b[16:], iu)
		le.PutUint32(b[20:], n.ino)
		le.PutUint16(b[24:], uint16(n.uid))
		le.PutUint16(b[26:], uint16(n.gid))
		return b
	}
	b := make([]byte, extendedSize)
	le.PutUint16(b[0:], layoutBits<<layoutShift|formatExtended)
	le.PutUint16(b[4:], n.mode)
	le.PutUint64(b[8:], uint64(n.size))
	le.PutUint32(b[16:], iu)
	le.PutUint32(b[20:], n.ino)
	le.PutUint32(b[24:], n.uid)
	le.PutUint32(b[28:], n.gid)
	le.PutUint64(b[32:], uint64(mtime))
	// b[40:44] i_mtime_nsec = 0
	le.PutUint32(b[44:], n.nlink)
	return b
}
