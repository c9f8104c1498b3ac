//go:build linux

package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"

	"github.com/reprovm/reprovm/guest/proto"
)

// newRoot is where the job's root filesystem is assembled.
const newRoot = "/newroot"

// setupRoot assembles the job's root filesystem: the read-only root image
// (already mounted at /mnt/<i>) under a tmpfs upper layer with overlayfs,
// so that tools can write anywhere (their writes vanish with the run), and
// the init's /proc, /sys, /dev, /tmp, /out and /mnt bound into it. It
// returns the directory to chroot into, or "" when the job has no root.
func setupRoot(job *proto.Job, mods *modules) (string, error) {
	if job.Root == nil {
		return "", nil
	}
	if err := mods.load("overlay"); err != nil {
		return "", fmt.Errorf("root: overlay module: %w", err)
	}
	lower := "/mnt/" + strconv.Itoa(job.Root.Input)
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
	opts := "lowerdir=" + lower + ",upperdir=" + rw + "/upper,workdir=" + rw + "/work"
	if err := syscall.Mount("overlay", newRoot, "overlay", 0, opts); err != nil {
		return "", fmt.Errorf("root: mount overlay (%s) on %s: %w", opts, newRoot, err)
	}
	for _, d := range []string{"/proc", "/sys", "/dev", "/tmp", "/out", "/mnt"} {
		target := newRoot + d
		if err := os.MkdirAll(target, 0o755); err != nil {
			return "", fmt.Errorf("root: %w", err)
		}
		if err := syscall.Mount(d, target, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
			return "", fmt.Errorf("root: bind %s: %w", d, err)
		}
	}
	return newRoot, nil
}
