//go:build linux

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/reprovm/reprovm/guest/proto"
)

// inputMounts mounts each input that has a proto.Input.Mount at that path
// in the command's view of the filesystem (inside root, or the initramfs
// when root is ""): a read-only bind of /mnt/<i>, or with Overlay an
// overlayfs whose lower layer is /mnt/<i> and whose upper layer is a fresh
// tmpfs under /reprovm/rw/<i>. The mounts go in byte order of their paths,
// so a mount inside another lands on top of it.
func inputMounts(job *proto.Job, mods *modules, root string) error {
	var order []int
	overlay := false
	for i, in := range job.Inputs {
		if in.Mount != "" {
			order = append(order, i)
			overlay = overlay || in.Overlay
		}
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(job.Inputs[a].Mount, job.Inputs[b].Mount) })
	if overlay {
		if err := mods.load("overlay"); err != nil {
			return fmt.Errorf("input mounts: overlay module: %w", err)
		}
	}
	for _, i := range order {
		in := job.Inputs[i]
		lower := "/mnt/" + strconv.Itoa(i)
		target, err := mkdirInRoot(root, in.Mount)
		if err != nil {
			return fmt.Errorf("input %d: mount point %s: %w", i, in.Mount, err)
		}
		if in.Overlay {
			err = mountOverlay(lower, "/reprovm/rw/"+strconv.Itoa(i), target)
		} else {
			err = bindReadOnly(lower, target)
		}
		if err != nil {
			return fmt.Errorf("input %d: %w", i, err)
		}
	}
	return nil
}

// bindReadOnly binds dir onto target and makes the bind read-only itself
// (MS_REMOUNT|MS_BIND, mount(2)), so that it stays read-only whatever
// happens to dir's mount.
func bindReadOnly(dir, target string) error {
	if err := syscall.Mount(dir, target, "", syscall.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s on %s: %w", dir, target, err)
	}
	const flags = syscall.MS_REMOUNT | syscall.MS_BIND | syscall.MS_RDONLY | syscall.MS_NOSUID | syscall.MS_NODEV
	if err := syscall.Mount("", target, "", flags, ""); err != nil {
		return fmt.Errorf("make the bind on %s read-only: %w", target, err)
	}
	return nil
}

// mountOverlay mounts on target an overlayfs with lower as its read-only
// layer and upper and work directories on a new tmpfs mounted at rw.
func mountOverlay(lower, rw, target string) error {
	if err := os.MkdirAll(rw, 0o755); err != nil {
		return err
	}
	if err := syscall.Mount("tmpfs", rw, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "mode=0755"); err != nil {
		return fmt.Errorf("mount tmpfs on %s: %w", rw, err)
	}
	for _, d := range []string{rw + "/upper", rw + "/work"} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return err
		}
	}
	// Overlayfs splits its options at commas; these paths have none.
	opts := "lowerdir=" + lower + ",upperdir=" + rw + "/upper,workdir=" + rw + "/work"
	if err := syscall.Mount("overlay", target, "overlay", syscall.MS_NOSUID|syscall.MS_NODEV, opts); err != nil {
		return fmt.Errorf("mount overlay (%s) on %s: %w", opts, target, err)
	}
	return nil
}

// maxSymlinks is how many symbolic links mkdirInRoot follows for one path,
// Linux's limit for a path lookup (MAXSYMLINKS, include/linux/namei.h).
const maxSymlinks = 40

// mkdirInRoot makes sure that the clean absolute path p is a directory
// as a process chrooted into root ("" for the init's own root) sees it,
// creating missing directories with mode 0755 like mkdir -p, and returns
// its path in the init's view with every symbolic link resolved. The
// kernel would resolve a link in the root image against the init's root,
// not the command's; resolving here keeps an absolute link such as
// /lib -> /usr/lib, or a hostile one to /out, inside root. Nothing else
// runs while the init prepares the mounts, so what it checks stays true.
func mkdirInRoot(root, p string) (string, error) {
	cur := ""     // resolved so far, relative to root; "" is root itself
	rest := p[1:] // still to resolve
	links := 0
	for rest != "" {
		var c string
		c, rest, _ = strings.Cut(rest, "/")
		switch c {
		case "", ".":
			continue
		case "..":
			// As in the kernel, ".." of the root is the root.
			if k := strings.LastIndexByte(cur, '/'); k >= 0 {
				cur = cur[:k]
			}
			continue
		}
		next := cur + "/" + c
		fi, err := os.Lstat(root + next)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := os.Mkdir(root+next, 0o755); err != nil {
				return "", err
			}
		case err != nil:
			return "", err
		case fi.Mode()&fs.ModeSymlink != 0:
			if links++; links > maxSymlinks {
				return "", fmt.Errorf("%s: too many levels of symbolic links", p)
			}
			target, err := os.Readlink(root + next)
			if err != nil {
				return "", err
			}
			if target == "" {
				return "", fmt.Errorf("%s: empty symbolic link", next)
			}
			if strings.HasPrefix(target, "/") {
				cur = ""
			}
			rest = target + "/" + rest
			continue
		case !fi.IsDir():
			return "", fmt.Errorf("%s is not a directory", next)
		}
		cur = next
	}
	if cur == "" {
		return "", fmt.Errorf("%s resolves to the root directory", p)
	}
	return root + cur, nil
}
