package images

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/reprovm/reprovm/guest"
	"github.com/reprovm/reprovm/images/initramfs"
)

// WriteInitramfs writes the initramfs every run boots with: the guest init,
// busybox and all of BootModules, each in its group so that the init loads
// only what a job needs. It depends on nothing but the boot files and the
// embedded init, so one initramfs serves every job of an image (the boot record
// rides in a second archive appended at run time, see
// initramfs.WriteBoot).
//
// The modules are decompressed on the host and their signatures cut off:
// the guest then skips an xz decode and a signature check per module
// (about 0.1 G instructions for virtio alone, 1.9 G for ext4's stack),
// which prove nothing the host has not already proved by the .deb's
// sha256. See initramfs.PlainModule and RATIONALE.md.
func (b *BootFiles) WriteInitramfs(w io.Writer) error {
	busybox, err := os.ReadFile(b.Busybox)
	if err != nil {
		return fmt.Errorf("initramfs: read busybox: %w", err)
	}
	spec := initramfs.Spec{Init: guest.Init(), Busybox: busybox}
	for _, mod := range BootModules {
		data, err := os.ReadFile(filepath.Join(b.ModulesDir, filepath.FromSlash(mod.Path)))
		if err != nil {
			return fmt.Errorf("initramfs: read module %s: %w", mod.Name, err)
		}
		m, err := initramfs.PlainModule(filepath.Base(mod.Path), data)
		if err != nil {
			return fmt.Errorf("initramfs: module %s: %w", mod.Name, err)
		}
		m.Group = mod.Group
		spec.Modules = append(spec.Modules, m)
	}
	return initramfs.Build(w, spec)
}
