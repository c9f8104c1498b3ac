package proto

import (
	"encoding/binary"
	"fmt"
	"io"
)

// DetectFS names the filesystem whose superblock starts r: "squashfs",
// "erofs" or "ext4" (which covers ext2 and ext3), or "" for none of them.
// The host uses it to choose the kernel modules a run needs, the guest
// init to mount an input drive whose job gives no type.
func DetectFS(r io.ReaderAt) (string, error) {
	var sb [2048]byte
	n, err := r.ReadAt(sb[:], 0)
	if n < len(sb) && err != io.EOF {
		return "", fmt.Errorf("read superblock: %w", err)
	}
	switch {
	case string(sb[:4]) == "hsqs": // squashfs 4, fs/squashfs/squashfs_fs.h
		return "squashfs", nil
	case binary.LittleEndian.Uint32(sb[1024:]) == 0xe0f5e1e2: // EROFS_SUPER_MAGIC_V1 at EROFS_SUPER_OFFSET
		return "erofs", nil
	case binary.LittleEndian.Uint16(sb[1024+56:]) == 0xef53: // ext2/3/4 s_magic
		return "ext4", nil
	}
	return "", nil
}
