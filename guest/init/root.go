//go:build linux

package main

import (
	"fmt"
	"os"
	"syscall"

	"github.com/reprovm/reprovm/guest/proto"
)

// newRoot is where the root filesystem is assembled, and rootImage where
// the root drive is mounted read-only as its lower layer.
const (
	newRoot   = "/newroot"
	rootImage = "/reprovm/rootimg"
)

// setupRoot assembles the root filesystem of the boot: the read-only root
// drive under a tmpfs upper layer with overlayfs, so that tools can write
// anywhere (their writes vanish with the run; those of the warm-up stay in
// RAM for the job), and the init's /proc, /sys, /dev, /tmp and /out bound
// into it (/mnt follows after the ready point, see bindMnt). It returns
// the directory to chroot into, or "" when the boot has no root.
func setupRoot(boot *proto.Boot, ds *driveSet, mods *modules) (string, error) {
	if boot.Root == nil {
		return "", nil
	}
	if err := mountReadOnly(ds.root, rootImage, boot.Root.FS, mods); err != nil {
		return "", fmt.Errorf("root: %w", err)
	}
	if err := mods.load("overlay"); err != nil {
		return "", fmt.Errorf("root: overlay module: %w", err)
	}
	const rw = "/rootrw"
	for _, d := range []string{rw, newRoot} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", fmt.Errorf("root: %w", err)
		}
	}
	if err := syscall.Mount("tmpfs", rw, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "mode=0755"); err != nil {
		return "", fmt.Errorf("root: mount tmpfs on %s: %w", rw, err)
	}
	for _, d := range []string{rw + "/upper", rw + "/work"} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return "", fmt.Errorf("root: %w", err)
		}
	}
	opts := "lowerdir=" + rootImage + ",upperdir=" + rw + "/upper,workdir=" + rw + "/work"
	if err := syscall.Mount("overlay", newRoot, "overlay", 0, opts); err != nil {
		return "", fmt.Errorf("root: mount overlay (%s) on %s: %w", opts, newRoot, err)
	}
	for _, d := range []string{"/proc", "/sys", "/dev", "/tmp", "/out"} {
		if err := bindInto(newRoot, d); err != nil {
			return "", err
		}
	}
	return newRoot, nil
}

// bindMnt binds the init's /mnt, where the inputs are now mounted, into
// the root. It must come after the mounts: the initramfs's mounts are
// private, so later mounts under /mnt would not show through an earlier
// bind.
func bindMnt(root string) error {
	if root == "" {
		return nil
	}
	return bindInto(root, "/mnt")
}

// bindInto binds the init's directory d, with the mounts below it, to the
// same path inside root.
func bindInto(root, d string) error {
	target := root + d
	if err := os.MkdirAll(target, 0o755); err != nil {
		return fmt.Errorf("root: %w", err)
	}
	if err := syscall.Mount(d, target, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("root: bind %s: %w", d, err)
	}
	return nil
}
