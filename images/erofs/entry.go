package erofs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
)

// Entry is one file of the image.
type Entry struct {
	// Path is clean, relative and slash-separated ("usr/bin/go"), as
	// [fs.ValidPath] accepts; "." is the root directory. Directories that
	// are not listed are created with mode 0755, owned by 0:0.
	Path string
	// Mode holds the file type, the permission bits and ModeSetuid,
	// ModeSetgid and ModeSticky. ModeDevice is a block device,
	// ModeDevice|ModeCharDevice a character device.
	Mode     fs.FileMode
	UID, GID uint32

	// Data is a regular file's contents when Content is nil.
	Data []byte
	// Content, when not nil, supplies a regular file's Size bytes; Write
	// reads it while it writes, so large files need not be in memory.
	Content io.ReaderAt
	Size    int64

	// Link is a symbolic link's target.
	Link string
	// Rdev is a device node's number in Linux's encoding (new_encode_dev:
	// minor&0xff | major<<8 | (minor&^0xff)<<12).
	Rdev uint32
}

// Options are the image-wide settings. The zero value is not valid:
// BlockSize must be set.
type Options struct {
	// MTime is the modification time of every inode, in seconds since the
	// Unix epoch (from the lock file, never from the clock).
	MTime int64
	// BlockSize is the filesystem block size, a power of two from 2048 to
	// 65536 (block 0 holds the superblock at byte 1024). Linux mounts EROFS only when it does not exceed the page size,
	// so 4096 is the one to use.
	BlockSize int
	// UUID identifies the filesystem; derive it from the image's inputs.
	UUID [16]byte
	// VolumeName is the label, at most 16 bytes.
	VolumeName string
}

// node is one inode of the tree being written.
type node struct {
	name     string // last path element; "" for the root
	path     string
	mode     uint16 // Linux st_mode
	uid, gid uint32
	rdev     uint32
	explicit bool // listed in the entries (not an implied directory)

	data    []byte      // contents: file Data, link target or directory blocks
	content io.ReaderAt // regular file contents when not in data
	size    int64

	parent   *node
	children []*node // sorted by name, byte order

	nlink    uint32
	ino      uint32
	nid      uint64
	extended bool
	inline   bool   // the tail (size % block size) follows the inode
	blkaddr  uint32 // first data block
	nblocks  int64  // whole blocks in the data area
}

// linuxMode converts a Go file mode into a Linux st_mode.
func linuxMode(m fs.FileMode) (uint16, error) {
	var t uint16
	switch m.Type() {
	case 0:
		t = sIFREG
	case fs.ModeDir:
		t = sIFDIR
	case fs.ModeSymlink:
		t = sIFLNK
	case fs.ModeDevice:
		t = sIFBLK
	case fs.ModeDevice | fs.ModeCharDevice:
		t = sIFCHR
	case fs.ModeNamedPipe:
		t = sIFIFO
	case fs.ModeSocket:
		t = sIFSOCK
	default:
		return 0, fmt.Errorf("unsupported file type %v", m.Type())
	}
	if rest := m &^ (fs.ModeType | fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky); rest != 0 {
		return 0, fmt.Errorf("unsupported mode bits %v", rest)
	}
	t |= uint16(m.Perm())
	if m&fs.ModeSetuid != 0 {
		t |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		t |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		t |= 0o1000
	}
	return t, nil
}

// fileType is the dirent type of a Linux mode.
func fileType(mode uint16) uint8 {
	switch mode & sIFMT {
	case sIFREG:
		return ftRegular
	case sIFDIR:
		return ftDir
	case sIFCHR:
		return ftChar
	case sIFBLK:
		return ftBlock
	case sIFIFO:
		return ftFIFO
	case sIFSOCK:
		return ftSocket
	case sIFLNK:
		return ftSymlink
	}
	return 0
}

// buildTree checks the entries and arranges them as a tree of nodes with
// sorted children, creating the directories that are only implied.
func buildTree(entries []Entry, blockSize int) (*node, error) {
	root := &node{mode: sIFDIR | 0o755}
	byPath := map[string]*node{".": root}
	for i := range entries {
		e := &entries[i]
		if err := addEntry(byPath, e, blockSize); err != nil {
			return nil, fmt.Errorf("entry %q: %w", e.Path, err)
		}
	}
	var sortTree func(n *node)
	sortTree = func(n *node) {
		slices.SortFunc(n.children, func(a, b *node) int { return strings.Compare(a.name, b.name) })
		for _, c := range n.children {
			sortTree(c)
		}
	}
	sortTree(root)
	return root, nil
}

func addEntry(byPath map[string]*node, e *Entry, blockSize int) error {
	if !fs.ValidPath(e.Path) {
		return errors.New("not a clean relative slash-separated path")
	}
	mode, err := linuxMode(e.Mode)
	if err != nil {
		return err
	}
	n := &node{path: e.Path, mode: mode, uid: e.UID, gid: e.GID, explicit: true}
	if err := setContents(n, e, blockSize); err != nil {
		return err
	}
	if e.Path == "." {
		root := byPath["."]
		if root.explicit {
			return errors.New("listed twice")
		}
		if mode&sIFMT != sIFDIR {
			return errors.New("the root must be a directory")
		}
		root.mode, root.uid, root.gid, root.explicit = mode, e.UID, e.GID, true
		return nil
	}
	if old := byPath[e.Path]; old != nil {
		if old.explicit {
			return errors.New("listed twice")
		}
		if mode&sIFMT != sIFDIR {
			return errors.New("not a directory, but other entries lie below it")
		}
		old.mode, old.uid, old.gid, old.explicit = mode, e.UID, e.GID, true
		return nil
	}
	// Create or find the parents, then hang the node below its parent.
	parent := byPath["."]
	dir := ""
	elems := strings.Split(e.Path, "/")
	for _, elem := range elems[:len(elems)-1] {
		if err := checkName(elem); err != nil {
			return err
		}
		if dir == "" {
			dir = elem
		} else {
			dir += "/" + elem
		}
		p := byPath[dir]
		if p == nil {
			p = &node{name: elem, path: dir, mode: sIFDIR | 0o755, parent: parent}
			parent.children = append(parent.children, p)
			byPath[dir] = p
		} else if p.mode&sIFMT != sIFDIR {
			return fmt.Errorf("parent %q is not a directory", dir)
		}
		parent = p
	}
	n.name = elems[len(elems)-1]
	if err := checkName(n.name); err != nil {
		return err
	}
	n.parent = parent
	parent.children = append(parent.children, n)
	byPath[e.Path] = n
	return nil
}

// setContents checks that the entry carries the contents its type needs,
// and no others.
func setContents(n *node, e *Entry, blockSize int) error {
	typ := n.mode & sIFMT
	if typ != sIFREG && (e.Data != nil || e.Content != nil || e.Size != 0) {
		return errors.New("contents given for a file that is not regular")
	}
	if typ != sIFLNK && e.Link != "" {
		return errors.New("link target given for a file that is not a symbolic link")
	}
	if typ != sIFCHR && typ != sIFBLK && e.Rdev != 0 {
		return errors.New("device number given for a file that is not a device")
	}
	switch typ {
	case sIFREG:
		if e.Content != nil {
			if e.Data != nil {
				return errors.New("both Data and Content given")
			}
			if e.Size < 0 {
				return fmt.Errorf("negative size %d", e.Size)
			}
			n.content, n.size = e.Content, e.Size
		} else {
			if e.Size != 0 && e.Size != int64(len(e.Data)) {
				return fmt.Errorf("size %d, but %d bytes of data", e.Size, len(e.Data))
			}
			n.data, n.size = e.Data, int64(len(e.Data))
		}
	case sIFLNK:
		// Linux limits a symlink's target to PATH_MAX-1 bytes and erofs
		// reads it from a single block.
		if e.Link == "" || len(e.Link) >= blockSize || len(e.Link) >= 4096 || strings.IndexByte(e.Link, 0) >= 0 {
			return fmt.Errorf("invalid symlink target of %d bytes", len(e.Link))
		}
		n.data, n.size = []byte(e.Link), int64(len(e.Link))
	case sIFCHR, sIFBLK:
		n.rdev = e.Rdev
	}
	return nil
}

// checkName rejects names the kernel cannot hold in a dirent.
func checkName(name string) error {
	if len(name) > maxNameLen {
		return fmt.Errorf("name %.20q... longer than %d bytes", name, maxNameLen)
	}
	if bytes.IndexByte([]byte(name), 0) >= 0 {
		return fmt.Errorf("name %q contains a NUL byte", name)
	}
	return nil
}
