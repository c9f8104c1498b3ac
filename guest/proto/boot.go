package proto

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// A run has two phases, so that one snapshot of a booted machine serves
// every job on an image (RATIONALE.md, "A build starts from a snapshot
// taken after boot"):
//
//  1. Boot. The init reads [Boot] from [BootPath] (an archive the host
//     appends to the initramfs; it depends only on the image), finds the
//     drives by their serials, assembles the root filesystem, runs the
//     image's warm-up command, and then writes a [Ready] header to the
//     output drive with O_DIRECT. That write is the ready point: the host
//     stops the machine there, at an instruction count that depends only
//     on the image, the RAM size and the kernel command line.
//  2. Job. The host attaches the job drive's and the input slots' contents
//     (until then they read as zeros) and lets the machine continue. The
//     init drops whatever the kernel cached of those drives before the
//     ready point (BLKFLSBUF: the partition scan at probe read their first
//     sectors), reads the [Job] from the job drive, mounts the inputs and
//     runs the command.
//
// The drives are found by serial, not position: input slot i is
// SlotSerial(i), the job drive [JobSerial], the root image [RootSerial]
// and the output drive [OutSerial]. The machine's drive layout at boot is
// therefore the same for every job: [InputSlots] input slots, the job
// drive, the root drive if the image has one, and the output drive.

// BootPath is where the host puts the [Boot] record in the initramfs,
// relative to its root.
const BootPath = "reprovm/boot.json"

// Drive serials (virtio-blk GET_ID, at most 20 bytes; Linux shows them in
// /sys/block/vdX/serial).
const (
	JobSerial  = "reprovm-job"
	RootSerial = "reprovm-root"
	OutSerial  = "reprovm-out"
	slotPrefix = "reprovm-in"
)

// InputSlots is the number of input slots. The machine has eight
// virtio-mmio slots; the job, root and output drives take three.
const InputSlots = 5

// SlotSerial is the serial of input slot i.
func SlotSerial(i int) string { return slotPrefix + strconv.Itoa(i) }

// Boot is what the init learns at boot: the same for every job on an
// image.
type Boot struct {
	// Root, if set, says that the drive [RootSerial] holds the root
	// filesystem: the init mounts it read-only under a writable tmpfs
	// overlay (so tools can write to $HOME or /tmp), binds /proc, /sys,
	// /dev, /tmp, /out and /mnt into it, and runs the warm-up and the
	// job's command chrooted there. Without it they run in the initramfs.
	Root *Root `json:"root,omitempty"`
	// Warmup, if set, runs before the ready point, so that what it leaves
	// in RAM (say a compiler's cache in /tmp, a tmpfs) is in the snapshot
	// taken there and every job finds it. It must exit 0.
	Warmup *Command `json:"warmup,omitempty"`
}

// Root describes the root filesystem drive.
type Root struct {
	// FS is its filesystem type: "ext4", "squashfs" or "erofs".
	FS string `json:"fs"`
}

// Command is a command the init runs: directly (no shell), with the
// executable looked up in the PATH of its environment.
type Command struct {
	Argv []string `json:"argv"`
	// Env holds KEY=VALUE pairs applied after [BaseEnv].
	Env []string `json:"env,omitempty"`
	// Dir is the absolute working directory; empty means "/".
	Dir string `json:"dir,omitempty"`
}

// Validate reports whether c is well formed.
func (c *Command) Validate() error {
	if len(c.Argv) == 0 || c.Argv[0] == "" {
		return fmt.Errorf("empty command")
	}
	for _, a := range c.Argv {
		if strings.IndexByte(a, 0) >= 0 {
			return fmt.Errorf("NUL byte in argument %q", a)
		}
	}
	for _, e := range c.Env {
		k, _, ok := strings.Cut(e, "=")
		if !ok || k == "" || strings.IndexByte(e, 0) >= 0 {
			return fmt.Errorf("bad environment entry %q (want KEY=VALUE)", e)
		}
	}
	if c.Dir != "" && (!path.IsAbs(c.Dir) || path.Clean(c.Dir) != c.Dir) {
		return fmt.Errorf("working directory %q is not a clean absolute path", c.Dir)
	}
	return nil
}

// Validate reports whether b is well formed.
func (b *Boot) Validate() error {
	if b.Root != nil {
		switch b.Root.FS {
		case "ext4", "squashfs", "erofs":
		default:
			return fmt.Errorf("boot: root: unsupported filesystem %q", b.Root.FS)
		}
	}
	if b.Warmup != nil {
		if err := b.Warmup.Validate(); err != nil {
			return fmt.Errorf("boot: warm-up: %w", err)
		}
	}
	return nil
}

// Marshal returns b's JSON encoding.
func (b *Boot) Marshal() ([]byte, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(b)
}

// ParseBoot decodes and validates a boot record. Unknown fields are
// errors, so that an older init refuses a record it would misunderstand.
func ParseBoot(data []byte) (*Boot, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var b Boot
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("boot: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("boot: trailing data after the JSON object")
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	return &b, nil
}
