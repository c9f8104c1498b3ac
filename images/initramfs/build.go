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
//	/modules/<name>      kernel modules (.ko.xz), loaded by the init in the
//	/modules/order       order of this file: one file name per line
//
// A job can ride along as a second archive appended to the first (the
// kernel unpacks concatenated archives in order); see [WriteJob].
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
	// "virtio_blk.ko.xz". It must be a plain file name.
	Name string
	Data []byte
}

// JobPath is where [WriteJob] puts the job, relative to the root.
const JobPath = "reprovm/job.json"

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
			strings.ContainsAny(m.Name, "\n\x00") {
			return fmt.Errorf("initramfs: bad module file name %q", m.Name)
		}
		if seen[m.Name] {
			return fmt.Errorf("initramfs: module %q listed twice", m.Name)
		}
		seen[m.Name] = true
		entries = append(entries, Entry{Name: "modules/" + m.Name, Mode: 0o644, Data: m.Data})
		order.WriteString(m.Name + "\n")
	}
	entries = append(entries, Entry{Name: "modules/order", Mode: 0o644, Data: order.Bytes()})
	if err := Write(w, entries, spec.MTime); err != nil {
		return fmt.Errorf("initramfs: %w", err)
	}
	return nil
}

// WriteJob writes a small archive holding job (the JSON encoding of a
// guest job) at [JobPath]. Appended to an archive from [Build], it hands
// the init a job too large for the kernel command line, whose length
// riscv64 limits to 1024 bytes (COMMAND_LINE_SIZE).
func WriteJob(w io.Writer, job []byte, mtime uint32) error {
	entries := []Entry{
		{Name: path.Dir(JobPath), Mode: fs.ModeDir | 0o755},
		{Name: JobPath, Mode: 0o644, Data: job},
	}
	if err := Write(w, entries, mtime); err != nil {
		return fmt.Errorf("initramfs: job archive: %w", err)
	}
	return nil
}
