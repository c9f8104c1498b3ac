//go:build linux

package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/reprovm/reprovm/guest/proto"
)

// driveName is the kernel's name for the i-th virtio block device (i <
// proto.MaxDrives, so one letter suffices).
func driveName(i int) string { return "vd" + string(rune('a'+i)) }

// drives lists the virtio block devices present, in order.
func drives() []string {
	ents, _ := os.ReadDir("/sys/block")
	var names []string
	for _, e := range ents {
		if n := e.Name(); len(n) == 3 && strings.HasPrefix(n, "vd") {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// mountInputs checks that the machine has exactly the job's input drives
// plus the output drive, and mounts each input read-only at /mnt/<i>.
// It loads a filesystem's modules (mods' group of that name) before the
// first mount of that type.
func mountInputs(job *proto.Job, mods *modules) error {
	want := len(job.Inputs) + 1
	// virtio_blk probes while it loads, so the drives are normally there
	// already; the wait covers a slow probe. Guest time is deterministic,
	// so the wait is too.
	have := drives()
	for tries := 0; len(have) < want && tries < 100; tries++ {
		time.Sleep(10 * time.Millisecond)
		have = drives()
	}
	if len(have) != want {
		return fmt.Errorf("the job has %d input drive(s) plus the output drive, but the machine has %d drive(s) %v", len(job.Inputs), len(have), have)
	}
	for i, in := range job.Inputs {
		dev := "/dev/" + driveName(i)
		fstype := in.FS
		if fstype == "raw" {
			continue
		}
		if fstype == "" {
			var err error
			if fstype, err = detectFS(dev); err != nil {
				return fmt.Errorf("input %d: %w", i, err)
			}
		}
		if err := mods.load(fstype); err != nil {
			return fmt.Errorf("input %d: modules for %s: %w", i, fstype, err)
		}
		dir := "/mnt/" + strconv.Itoa(i)
		if err := os.Mkdir(dir, 0o755); err != nil {
			return fmt.Errorf("input %d: %w", i, err)
		}
		if err := syscall.Mount(dev, dir, fstype, syscall.MS_RDONLY|syscall.MS_NODEV|syscall.MS_NOSUID, ""); err != nil {
			return fmt.Errorf("input %d: mount %s (%s) on %s read-only: %w", i, dev, fstype, dir, err)
		}
	}
	return nil
}

// detectFS names the filesystem on dev from its superblock magic.
func detectFS(dev string) (string, error) {
	f, err := os.Open(dev)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fs, err := proto.DetectFS(f)
	if err != nil {
		return "", fmt.Errorf("%s: %w", dev, err)
	}
	if fs == "" {
		return "", fmt.Errorf("%s: unknown filesystem (not squashfs, erofs or ext2/3/4); give its type in the job", dev)
	}
	return fs, nil
}
