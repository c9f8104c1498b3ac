package erofs

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
)

// A small, strict EROFS reader for the tests: it reads back what Write
// produced and checks the invariants the kernel relies on (sorted dirents,
// "." and "..", inline tails inside one block, data inside the image). It
// treats the image as hostile and returns errors, never panics.

// file is one inode as read back.
type file struct {
	mode     uint16 // Linux st_mode
	uid, gid uint32
	nlink    uint32
	mtime    int64
	rdev     uint32
	data     []byte // contents or link target
	ino      uint32
}

type reader struct {
	img     []byte
	bs      int64
	mtime   int64
	files   map[string]*file
	visited map[uint64]bool
	inos    map[uint32]bool
}

func readImage(img []byte) (map[string]*file, error) {
	if len(img) < superOffset+superSize {
		return nil, errors.New("image shorter than the superblock")
	}
	sb := img[superOffset : superOffset+superSize]
	if le.Uint32(sb[0:]) != superMagic {
		return nil, errors.New("bad magic")
	}
	bits := sb[12]
	if bits < 9 || bits > 16 {
		return nil, fmt.Errorf("block size bits %d", bits)
	}
	r := &reader{img: img, bs: 1 << bits, mtime: int64(le.Uint64(sb[24:])),
		files: map[string]*file{}, visited: map[uint64]bool{}, inos: map[uint32]bool{}}
	if int64(len(img)) < r.bs || int64(len(img))%r.bs != 0 {
		return nil, fmt.Errorf("image size %d is not a whole number of %d-byte blocks", len(img), r.bs)
	}
	if blocks := int64(le.Uint32(sb[36:])); blocks*r.bs != int64(len(img)) {
		return nil, fmt.Errorf("superblock says %d blocks, image has %d bytes", blocks, len(img))
	}
	if le.Uint32(sb[8:])&featureCompatSBChecksum == 0 {
		return nil, errors.New("no superblock checksum")
	}
	// The checksum covers block 0 from the superblock on or, when blocks
	// are no larger than the superblock's offset, one block's worth of
	// bytes from it (erofs_superblock_csum_verify).
	end := r.bs
	if end <= superOffset {
		end += superOffset
	}
	if end > int64(len(img)) {
		return nil, fmt.Errorf("superblock checksum over bytes past the end of the image")
	}
	blk := bytes.Clone(img[superOffset:end])
	want := le.Uint32(blk[4:])
	le.PutUint32(blk[4:], 0)
	if got := ^crc32.Checksum(blk, castagnoli); got != want {
		return nil, fmt.Errorf("superblock checksum %#x, computed %#x", want, got)
	}
	if le.Uint32(sb[40:]) != 0 || le.Uint32(sb[80:]) != 0 || sb[90] != 0 {
		return nil, errors.New("unexpected meta_blkaddr, incompat features or dirblkbits")
	}
	rootNid := uint64(le.Uint16(sb[14:]))
	if err := r.walk(".", rootNid, rootNid); err != nil {
		return nil, err
	}
	if inos := le.Uint64(sb[16:]); inos != uint64(len(r.files)) {
		return nil, fmt.Errorf("superblock counts %d inodes, found %d", inos, len(r.files))
	}
	return r.files, nil
}

// inode reads and checks the inode at nid and returns it with its contents.
func (r *reader) inode(nid uint64) (*file, error) {
	off := int64(nid) * slotSize
	if nid > uint64(len(r.img))/slotSize || off+compactSize > int64(len(r.img)) {
		return nil, fmt.Errorf("nid %d outside the image", nid)
	}
	if off < superOffset+superSize {
		return nil, fmt.Errorf("nid %d overlaps the superblock", nid)
	}
	b := r.img[off:]
	format := le.Uint16(b[0:])
	f := &file{mode: le.Uint16(b[4:]), mtime: r.mtime}
	var size int64
	var isize int64 = compactSize
	var iu uint32
	if format&formatExtended == 0 {
		f.nlink = uint32(le.Uint16(b[6:]))
		size = int64(le.Uint32(b[8:]))
		iu = le.Uint32(b[16:])
		f.ino = le.Uint32(b[20:])
		f.uid, f.gid = uint32(le.Uint16(b[24:])), uint32(le.Uint16(b[26:]))
	} else {
		isize = extendedSize
		if off+extendedSize > int64(len(r.img)) {
			return nil, fmt.Errorf("nid %d: extended inode past the end", nid)
		}
		size = int64(le.Uint64(b[8:]))
		iu = le.Uint32(b[16:])
		f.ino = le.Uint32(b[20:])
		f.uid, f.gid = le.Uint32(b[24:]), le.Uint32(b[28:])
		f.mtime = int64(le.Uint64(b[32:]))
		f.nlink = le.Uint32(b[44:])
	}
	if off%r.bs+isize > r.bs {
		return nil, fmt.Errorf("nid %d: inode crosses a block boundary", nid)
	}
	if le.Uint16(b[2:]) != 0 {
		return nil, fmt.Errorf("nid %d: xattrs", nid)
	}
	if size < 0 || size > int64(len(r.img)) {
		return nil, fmt.Errorf("nid %d: size %d", nid, size)
	}
	switch f.mode & sIFMT {
	case sIFCHR, sIFBLK:
		f.rdev = iu
		if size != 0 {
			return nil, fmt.Errorf("nid %d: device of size %d", nid, size)
		}
		return f, nil
	case sIFIFO, sIFSOCK:
		return f, nil
	case sIFREG, sIFDIR, sIFLNK:
	default:
		return nil, fmt.Errorf("nid %d: mode %#o", nid, f.mode)
	}
	full := size / r.bs
	tail := size % r.bs
	switch format >> layoutShift {
	case layoutPlain:
		full, tail = (size+r.bs-1)/r.bs, 0
	case layoutInline:
		if tail == 0 {
			return nil, fmt.Errorf("nid %d: inline layout without a tail", nid)
		}
	default:
		return nil, fmt.Errorf("nid %d: format %#x", nid, format)
	}
	start := int64(iu) * r.bs
	if full > 0 && (start < r.bs || start+full*r.bs > int64(len(r.img))) {
		return nil, fmt.Errorf("nid %d: data blocks %d+%d outside the image", nid, iu, full)
	}
	f.data = make([]byte, 0, size)
	if full > 0 {
		f.data = append(f.data, r.img[start:start+min(full*r.bs, size)]...)
	}
	if tail > 0 {
		t := off + isize
		if t%r.bs+tail > r.bs || t+tail > int64(len(r.img)) {
			return nil, fmt.Errorf("nid %d: inline tail crosses a block boundary", nid)
		}
		f.data = append(f.data, r.img[t:t+tail]...)
	}
	return f, nil
}

// walk reads the inode at nid as path and, for a directory, its entries.
func (r *reader) walk(path string, nid, parent uint64) error {
	if r.visited[nid] {
		return fmt.Errorf("%s: nid %d reached twice", path, nid)
	}
	r.visited[nid] = true
	f, err := r.inode(nid)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if r.inos[f.ino] {
		return fmt.Errorf("%s: inode number %d used twice", path, f.ino)
	}
	r.inos[f.ino] = true
	r.files[path] = f
	if f.mode&sIFMT != sIFDIR {
		if f.nlink != 1 {
			return fmt.Errorf("%s: %d links", path, f.nlink)
		}
		return nil
	}
	type ent struct {
		name string
		nid  uint64
		ft   uint8
	}
	var ents []ent
	for pos := int64(0); pos < int64(len(f.data)); pos += r.bs {
		blk := f.data[pos:min(pos+r.bs, int64(len(f.data)))]
		if len(blk) < direntSize {
			return fmt.Errorf("%s: directory block of %d bytes", path, len(blk))
		}
		n := int(le.Uint16(blk[8:])) / direntSize
		if n == 0 || le.Uint16(blk[8:])%direntSize != 0 || n*direntSize > len(blk) {
			return fmt.Errorf("%s: first nameoff %d", path, le.Uint16(blk[8:]))
		}
		for i := range n {
			de := blk[i*direntSize:]
			nameoff := int(le.Uint16(de[8:]))
			end := len(blk)
			if i+1 < n {
				end = int(le.Uint16(blk[(i+1)*direntSize+8:]))
			} else if z := bytes.IndexByte(blk[min(nameoff, len(blk)):], 0); z >= 0 {
				end = nameoff + z
			}
			if nameoff < n*direntSize || end <= nameoff || end > len(blk) || end-nameoff > maxNameLen {
				return fmt.Errorf("%s: dirent %d: name at %d..%d", path, i, nameoff, end)
			}
			ents = append(ents, ent{string(blk[nameoff:end]), le.Uint64(de[0:]), de[10]})
		}
	}
	dots := 0
	subdirs := uint32(0)
	for i, e := range ents {
		if i > 0 && ents[i-1].name >= e.name {
			return fmt.Errorf("%s: names out of order: %q then %q", path, ents[i-1].name, e.name)
		}
		switch e.name {
		case ".":
			dots++
			if e.nid != nid || e.ft != ftDir {
				return fmt.Errorf("%s: bad \".\"", path)
			}
			continue
		case "..":
			dots++
			if e.nid != parent || e.ft != ftDir {
				return fmt.Errorf("%s: bad \"..\"", path)
			}
			continue
		}
		child := e.name
		if path != "." {
			child = path + "/" + e.name
		}
		if bytes.ContainsAny([]byte(e.name), "/\x00") {
			return fmt.Errorf("%s: name %q", path, e.name)
		}
		if err := r.walk(child, e.nid, nid); err != nil {
			return err
		}
		if got := fileType(r.files[child].mode); got != e.ft {
			return fmt.Errorf("%s: dirent type %d, inode type %d", child, e.ft, got)
		}
		if e.ft == ftDir {
			subdirs++
		}
	}
	if dots != 2 {
		return fmt.Errorf("%s: %d dot entries", path, dots)
	}
	if f.nlink != 2+subdirs {
		return fmt.Errorf("%s: %d links, want %d", path, f.nlink, 2+subdirs)
	}
	return nil
}
