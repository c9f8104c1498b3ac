package builder

import (
	"fmt"
	"os"
	"slices"

	"github.com/reprovm/reprovm/guest/proto"
	"github.com/reprovm/reprovm/images"
)

// DetectFS names the filesystem in the image at path (proto.DetectFS), or
// "raw" if it holds none the guest can mount. The host checks this so the
// guest gets only the kernel modules it needs.
func DetectFS(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("detect filesystem: %w", err)
	}
	defer f.Close()
	fs, err := proto.DetectFS(f)
	if err != nil {
		return "", fmt.Errorf("detect filesystem of %s: %w", path, err)
	}
	if fs == "" {
		return "raw", nil
	}
	return fs, nil
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
// and overlayfs if the job has a root image, in images.BootModules order,
// which satisfies every dependency.
func modulesFor(fss []string, root bool) []images.Module {
	need := slices.Clone(baseModules)
	if root {
		need = append(need, "overlay")
	}
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
