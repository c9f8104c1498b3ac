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

// driveSet is the machine's drives by role: device paths such as
// /dev/vdf, "" for a drive that is not there.
type driveSet struct {
	job, root, out string
	slots          [proto.InputSlots]string
}

// listDrives maps the serial of each virtio block device present to its
// device path. Linux reads the serial from the device (GET_ID) when
// /sys/block/<name>/serial is read.
func listDrives() map[string]string {
	ents, _ := os.ReadDir("/sys/block")
	var names []string
	for _, e := range ents {
		if n := e.Name(); strings.HasPrefix(n, "vd") {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	bySerial := map[string]string{}
	for _, n := range names {
		b, err := os.ReadFile("/sys/block/" + n + "/serial")
		if err != nil {
			continue
		}
		s := strings.TrimRight(string(b), "\x00\n ")
		if _, dup := bySerial[s]; !dup && s != "" {
			bySerial[s] = "/dev/" + n
		}
	}
	return bySerial
}

// findDrives finds the drives by serial (proto.Boot describes the layout).
// The job and output drives, and the root drive if the boot has a root,
// must be there; an input slot may be missing, which only a job that uses
// it will notice. virtio_blk probes while it loads, so the drives are
// normally there already; the wait covers a slow probe, and guest time is
// deterministic, so the wait is too.
func findDrives(boot *proto.Boot) (*driveSet, error) {
	want := []string{proto.JobSerial, proto.OutSerial}
	if boot.Root != nil {
		want = append(want, proto.RootSerial)
	}
	var have map[string]string
	for tries := 0; ; tries++ {
		have = listDrives()
		missing := slices.DeleteFunc(slices.Clone(want), func(s string) bool { return have[s] != "" })
		if len(missing) == 0 {
			break
		}
		if tries == 100 {
			return nil, fmt.Errorf("no drive with serial %s (the machine has %v)", strings.Join(missing, ", "), have)
		}
		time.Sleep(10 * time.Millisecond)
	}
	ds := &driveSet{job: have[proto.JobSerial], out: have[proto.OutSerial], root: have[proto.RootSerial]}
	for i := range ds.slots {
		ds.slots[i] = have[proto.SlotSerial(i)]
	}
	return ds, nil
}

// mountInputs mounts each of the job's inputs read-only at /mnt/<i>. It
// loads a filesystem's modules (mods' group of that name) before the first
// mount of that type.
func mountInputs(job *proto.Job, ds *driveSet, mods *modules) error {
	for i, in := range job.Inputs {
		dev := ds.slots[i]
		if dev == "" {
			return fmt.Errorf("input %d: the machine has no drive with serial %s", i, proto.SlotSerial(i))
		}
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
		dir := "/mnt/" + strconv.Itoa(i)
		if err := mountReadOnly(dev, dir, fstype, mods); err != nil {
			return fmt.Errorf("input %d: %w", i, err)
		}
	}
	return nil
}

// mountReadOnly mounts the filesystem on dev at the new directory dir,
// read-only, after loading its modules.
func mountReadOnly(dev, dir, fstype string, mods *modules) error {
	if err := mods.load(fstype); err != nil {
		return fmt.Errorf("modules for %s: %w", fstype, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := syscall.Mount(dev, dir, fstype, syscall.MS_RDONLY|syscall.MS_NODEV|syscall.MS_NOSUID, ""); err != nil {
		return fmt.Errorf("mount %s (%s) on %s read-only: %w", dev, fstype, dir, err)
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
