// Package initramfs writes reprovm's initramfs: a deterministic newc cpio
// archive holding the guest init, a static busybox and the kernel modules
// the init loads. The same Spec always gives the same bytes.
//
// Layout of the archive Build writes (the guest init relies on it):
//
//	/init                the guest init (mode 0755)
//	/bin/busybox         static busybox (mode 0755); /bin/sh -> busybox.
//	                     The init runs "busybox --install -s /bin" at boot,
//	                     which links every other applet.
//	/dev/console         character device 5:1, so that the kernel can open
//	                     the console for init before devtmpfs is mounted
//	/dev /proc /sys /tmp /out /mnt /root /usr/bin   empty directories
//	/modules/<name>      kernel modules (.ko.xz, or .ko uncompressed)
//	/modules/order       one line per module, in load order: "<group> <name>"
//
// The init loads the modules of group "boot" at start and those of group
// G (a filesystem type such as "ext4") just before it mounts the first
// input drive of type G. Loading is not free: on QEMU, loading the ext4
// stack (crc16, mbcache, jbd2, ext4) costs about 1.3 billion guest
// instructions, three times the kernel's whole boot, so a run that mounts
// no ext4 drive should not pay for it.
//
// The boot record can ride along as a second archive appended to the first
// (the kernel unpacks concatenated archives in order); see [WriteBoot].
package initramfs

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// Spec lists the contents of an initramfs.
type Spec struct {
	// Init is the guest init program (a static riscv64 ELF).
	Init []byte
	// Busybox is a static riscv64 busybox.
	Busybox []byte
	// Modules are the kernel modules, in load order (dependencies first).
	Modules []Module
	// MTime is every member's modification time, in seconds since the
	// Unix epoch. Zero is the usual choice.
	MTime uint32
}

// Module is one kernel module file.
type Module struct {
	// Name is the file name under /modules, for example
	// "virtio_blk.ko.xz". It must be a plain file name. The init lets the
	// kernel decompress a name ending in ".xz"
	// (MODULE_INIT_COMPRESSED_FILE) and loads any other as it is.
	Name string
	// Group is "" (or "boot") for a module loaded at start, or the
	// filesystem type whose first mount loads it ("ext4", "erofs",
	// "squashfs"): lowercase letters, digits and underscores.
	Group string
	Data  []byte
}

// BootGroup is the group of modules loaded at start.
const BootGroup = "boot"

func validGroup(g string) bool {
	if g == "" {
		return false
	}
	for _, c := range g {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// BootPath is where [WriteBoot] puts the boot record, relative to the
// root (guest/proto.BootPath).
const BootPath = "reprovm/boot.json"

// Build writes the initramfs described by spec to w.
func Build(w io.Writer, spec Spec) error {
	if len(spec.Init) == 0 {
		return fmt.Errorf("initramfs: no init program")
	}
	if len(spec.Busybox) == 0 {
		return fmt.Errorf("initramfs: no busybox")
	}
	dir := func(name string, perm fs.FileMode) Entry { return Entry{Name: name, Mode: fs.ModeDir | perm} }
	entries := []Entry{
		{Name: "init", Mode: 0o755, Data: spec.Init},
		dir("bin", 0o755),
		{Name: "bin/busybox", Mode: 0o755, Data: spec.Busybox},
		{Name: "bin/sh", Mode: fs.ModeSymlink | 0o777, Data: []byte("busybox")},
		dir("dev", 0o755),
		{Name: "dev/console", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o600, Major: 5, Minor: 1},
		dir("mnt", 0o755),
		dir("modules", 0o755),
		dir("out", 0o755),
		dir("proc", 0o555),
		dir("root", 0o700),
		dir("sys", 0o555),
		dir("tmp", 0o777|fs.ModeSticky),
		dir("usr", 0o755),
		dir("usr/bin", 0o755),
	}
	var order bytes.Buffer
	seen := map[string]bool{"order": true}
	for _, m := range spec.Modules {
		if m.Name == "" || m.Name != path.Base(m.Name) || m.Name == "." || m.Name == ".." ||
			strings.ContainsAny(m.Name, " \t\n\x00") {
			return fmt.Errorf("initramfs: bad module file name %q", m.Name)
		}
		if seen[m.Name] {
			return fmt.Errorf("initramfs: module %q listed twice", m.Name)
		}
		seen[m.Name] = true
		group := m.Group
		if group == "" {
			group = BootGroup
		}
		if !validGroup(group) {
			return fmt.Errorf("initramfs: module %q: bad group %q", m.Name, m.Group)
		}
		entries = append(entries, Entry{Name: "modules/" + m.Name, Mode: 0o644, Data: m.Data})
		order.WriteString(group + " " + m.Name + "\n")
	}
	entries = append(entries, Entry{Name: "modules/order", Mode: 0o644, Data: order.Bytes()})
	if err := Write(w, entries, spec.MTime); err != nil {
		return fmt.Errorf("initramfs: %w", err)
	}
	return nil
}

// WriteBoot writes a small archive holding boot (the JSON encoding of the
// guest's boot record) at [BootPath]. Appended to an archive from [Build],
// it tells the init what every job on an image shares (the root drive's
// filesystem, the warm-up command), without rebuilding the initramfs; the
// job itself comes later, on a drive.
func WriteBoot(w io.Writer, boot []byte, mtime uint32) error {
	entries := []Entry{
		{Name: path.Dir(BootPath), Mode: fs.ModeDir | 0o755},
		{Name: BootPath, Mode: 0o644, Data: boot},
	}
	if err := Write(w, entries, mtime); err != nil {
		return fmt.Errorf("initramfs: boot archive: %w", err)
	}
	return nil
}
