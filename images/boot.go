package images

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/reprovm/reprovm/internal/scratch"
)

// KernelRelease is the pinned kernel's release string (uname -r), which
// names its /boot files and its modules directory.
const KernelRelease = "6.12.107+deb13-riscv64"

// kernelPackagePrefix starts the name of every Debian kernel image
// package; the rest of the name is the release.
const kernelPackagePrefix = "linux-image-"

// Paths of the boot files inside their packages (slash-separated, relative
// to the package root).
const (
	firmwarePath = "usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
	busyboxPath  = "usr/bin/busybox"
)

// kernelImagePath and modulesDirPath locate the flat Image and the modules
// of kernel release r inside its package.
func kernelImagePath(r string) string { return "boot/vmlinux-" + r }
func modulesDirPath(r string) string  { return "usr/lib/modules/" + r }

// kernelRelease returns the release of a Debian kernel image package, such
// as 6.12.107+deb13-riscv64 for linux-image-6.12.107+deb13-riscv64.
func kernelRelease(p Package) (string, error) {
	r, ok := strings.CutPrefix(p.Name, kernelPackagePrefix)
	if !ok || r == "" || strings.ContainsAny(r, "/ ") {
		return "", fmt.Errorf("kernel package %q: want a name %s<release>", p.Name, kernelPackagePrefix)
	}
	return r, nil
}

// Module is a kernel module file of the pinned kernel.
type Module struct {
	Name string // module name, as in lsmod
	Path string // xz-compressed .ko, relative to BootFiles.ModulesDir
	// Group says when the guest init loads the module (see
	// images/initramfs): "boot" at start, a filesystem type ("erofs",
	// "ext4", "squashfs") before the first mount of that type, "overlay"
	// before the root image is set up.
	Group string
}

// BootModules lists the modules the guest init loads, in a load order that
// satisfies every dependency: modules.dep and modules.softdep (from depmod
// on the pinned kernel) give virtio_blk → virtio_mmio transport at probe
// time, erofs → libcrc32c, ext4 → crc16 mbcache jbd2, and the softdeps
// libcrc32c, ext4 and jbd2 → crc32c, which crc32c_generic provides. It
// comes first because the guest has no modprobe to answer the kernel's
// request_module("crc32c"), and it is in group "boot" because both erofs
// and ext4 need it. The files are xz-compressed in the package; the
// initramfs holds them decompressed (see [BootFiles.WriteInitramfs]).
// Every run carries all of them and loads a group only when it needs it,
// so the initramfs is the same for every job. Read-only by convention.
var BootModules = []Module{
	{"crc32c_generic", "kernel/crypto/crc32c_generic.ko.xz", "boot"},
	{"virtio_mmio", "kernel/drivers/virtio/virtio_mmio.ko.xz", "boot"},
	{"virtio_blk", "kernel/drivers/block/virtio_blk.ko.xz", "boot"},
	{"squashfs", "kernel/fs/squashfs/squashfs.ko.xz", "squashfs"},
	{"libcrc32c", "kernel/lib/libcrc32c.ko.xz", "erofs"},
	{"erofs", "kernel/fs/erofs/erofs.ko.xz", "erofs"},
	{"crc16", "kernel/lib/crc16.ko.xz", "ext4"},
	{"mbcache", "kernel/fs/mbcache.ko.xz", "ext4"},
	{"jbd2", "kernel/fs/jbd2/jbd2.ko.xz", "ext4"},
	{"ext4", "kernel/fs/ext4/ext4.ko.xz", "ext4"},
	{"overlay", "kernel/fs/overlayfs/overlay.ko.xz", "overlay"},
}

// BootFiles holds host paths of the extracted boot chain.
type BootFiles struct {
	Kernel     string // flat RISC-V Image; load at 0x80200000
	Firmware   string // OpenSBI generic fw_dynamic.bin; load at 0x80000000
	Busybox    string // static riscv64 busybox
	ModulesDir string // .../usr/lib/modules/<KernelRelease>; BootModules paths are relative to it
}

// bootPart is one package of the boot chain and the files taken from it.
type bootPart struct {
	pkg   Package
	files []string // slash paths inside the package
}

// bootParts lists what Boot extracts. The result directory's name is a hash
// of this list, so a change to it never reuses an old extraction.
func bootParts(kernel Package, release string) []bootPart {
	kernelFiles := []string{kernelImagePath(release)}
	for _, m := range BootModules {
		kernelFiles = append(kernelFiles, path.Join(modulesDirPath(release), m.Path))
	}
	return []bootPart{
		{OpenSBI, []string{firmwarePath}},
		{BusyboxStatic, []string{busyboxPath}},
		{kernel, kernelFiles},
	}
}

// bootKey names the extraction directory: the first 16 hex digits of the
// SHA-256 of every package hash and extracted path.
func bootKey(parts []bootPart) string {
	h := sha256.New()
	fmt.Fprintf(h, "reprovm boot files v1\n")
	for _, p := range parts {
		fmt.Fprintf(h, "%s %s\n", p.pkg.SHA256, p.pkg.Pool)
		for _, f := range p.files {
			fmt.Fprintf(h, "  %s\n", f)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Boot returns the boot chain's files, fetching the pinned packages and
// extracting only the needed files into <cache>/boot/<key>/ on first use.
//
// The extraction is atomic: it happens in a temporary directory next to the
// final one, which is renamed into place once every file is present. A
// later call finds the directory and returns at once without touching the
// .deb files (or the network). Two processes racing on a first call both
// extract; one rename wins and the other's copy is discarded.
func (f *Fetcher) Boot(ctx context.Context) (*BootFiles, error) {
	return f.BootKernel(ctx, Kernel)
}

// BootKernel is [Fetcher.Boot] with the kernel package kernel instead of
// the pinned one (an image's lock names its kernel). Its modules must sit
// where BootModules says, as in every Debian 6.x riscv64 kernel package.
func (f *Fetcher) BootKernel(ctx context.Context, kernel Package) (*BootFiles, error) {
	release, err := kernelRelease(kernel)
	if err != nil {
		return nil, fmt.Errorf("boot files: %w", err)
	}
	parts := bootParts(kernel, release)
	root, err := f.CacheRoot()
	if err != nil {
		return nil, fmt.Errorf("boot files: %w", err)
	}
	bootDir := filepath.Join(root, "boot")
	final := filepath.Join(bootDir, bootKey(parts))
	files := &BootFiles{
		Kernel:     filepath.Join(final, filepath.FromSlash(kernelImagePath(release))),
		Firmware:   filepath.Join(final, filepath.FromSlash(firmwarePath)),
		Busybox:    filepath.Join(final, filepath.FromSlash(busyboxPath)),
		ModulesDir: filepath.Join(final, filepath.FromSlash(modulesDirPath(release))),
	}
	if _, err := os.Stat(final); err == nil {
		return files, nil
	}

	if err := os.MkdirAll(bootDir, 0o755); err != nil {
		return nil, fmt.Errorf("boot files: %w", err)
	}
	// What a killed process left half extracted.
	if _, err := scratch.RemoveStale(bootDir, ".tmp-"); err != nil {
		return nil, fmt.Errorf("boot files: %w", err)
	}
	td, err := scratch.MkdirTemp(bootDir, ".tmp-")
	if err != nil {
		return nil, fmt.Errorf("boot files: %w", err)
	}
	defer td.RemoveAll() // a no-op once renamed, but for the lock
	tmp := td.Path
	for _, part := range parts {
		deb, err := f.Fetch(ctx, part.pkg)
		if err != nil {
			return nil, fmt.Errorf("boot files: %w", err)
		}
		if err := extractFiles(ctx, deb, tmp, part.files); err != nil {
			return nil, fmt.Errorf("boot files: %s: %w", part.pkg, err)
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp made it private
		return nil, fmt.Errorf("boot files: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		if _, serr := os.Stat(final); serr == nil {
			return files, nil // another process won the race
		}
		return nil, fmt.Errorf("boot files: %w", err)
	}
	return files, nil
}

// extractFiles extracts exactly the named regular files from a .deb into
// dir, stopping as soon as all are out, and fails if any is missing.
func extractFiles(ctx context.Context, deb, dir string, names []string) error {
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = false
	}
	found := 0
	keep := func(name string) bool {
		seen, ok := want[name]
		if ok && !seen {
			want[name] = true
			found++
		}
		return ok
	}
	if err := extractDeb(ctx, deb, dir, keep, func() bool { return found == len(want) }); err != nil {
		return err
	}
	for _, n := range names {
		fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(n)))
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: not in the package", n)
		}
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s: not a regular file (%s)", n, fi.Mode().Type())
		}
	}
	return nil
}
