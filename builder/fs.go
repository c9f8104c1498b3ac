package builder

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/reprovm/reprovm/images"
)

// Filesystem superblock magics, checked on the host so the guest gets only
// the kernel modules it needs: loading ext4 and its dependencies costs the
// guest about two billion instructions (xz decompression and the module
// signature check), more than booting the kernel.
var fsMagics = []struct {
	fs    string
	off   int64
	magic []byte
}{
	{"squashfs", 0, []byte("hsqs")},                                    // squashfs 4 superblock, little-endian
	{"erofs", 1024, binary.LittleEndian.AppendUint32(nil, 0xe0f5e1e2)}, // EROFS_SUPER_MAGIC_V1
	{"ext4", 1080, binary.LittleEndian.AppendUint16(nil, 0xef53)},      // ext2/3/4 s_magic
}

// DetectFS names the filesystem in the image at path, or "raw" if it holds
// none that the guest can mount.
func DetectFS(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("detect filesystem: %w", err)
	}
	defer f.Close()
	for _, m := range fsMagics {
		b := make([]byte, len(m.magic))
		if _, err := f.ReadAt(b, m.off); err != nil && err != io.EOF {
			return "", fmt.Errorf("detect filesystem of %s: %w", path, err)
		}
		if bytes.Equal(b, m.magic) {
			return m.fs, nil
		}
	}
	return "raw", nil
}

// fsModules lists the modules each filesystem needs besides itself
// (modules.dep and modules.softdep of the pinned kernel; crc32c_generic
// answers the crc32c softdep, since the guest has no modprobe).
var fsModules = map[string][]string{
	"squashfs": {"squashfs"},
	"erofs":    {"crc32c_generic", "libcrc32c", "erofs"},
	"ext4":     {"crc32c_generic", "crc16", "mbcache", "jbd2", "ext4"},
}

// baseModules are always loaded: the block devices themselves.
var baseModules = []string{"virtio_mmio", "virtio_blk"}

// modulesFor returns the boot modules for drives holding filesystems fss,
// in images.BootModules order, which satisfies every dependency.
func modulesFor(fss []string) []images.Module {
	need := slices.Clone(baseModules)
	for _, fs := range fss {
		need = append(need, fsModules[fs]...)
	}
	var mods []images.Module
	for _, m := range images.BootModules {
		if slices.Contains(need, m.Name) {
			mods = append(mods, m)
		}
	}
	return mods
}
