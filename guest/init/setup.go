//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"unsafe"

	"github.com/reprovm/reprovm/guest/proto"
)

// setup mounts the kernel filesystems and scratch space, fixes the umask
// and hostname, and links busybox's applets into /bin.
func setup() error {
	syscall.Umask(0o022)
	for _, m := range []struct{ fstype, dir, data string }{
		{"proc", "/proc", ""},
		{"sysfs", "/sys", ""},
		// The kernel does not mount devtmpfs itself (DEVTMPFS_MOUNT is off).
		{"devtmpfs", "/dev", "mode=0755"},
		{"tmpfs", "/tmp", "mode=1777"},
		{"tmpfs", "/out", "mode=0755"},
	} {
		if err := syscall.Mount(m.fstype, m.dir, m.fstype, syscall.MS_NOSUID, m.data); err != nil {
			return fmt.Errorf("mount %s on %s: %w", m.fstype, m.dir, err)
		}
	}
	if err := syscall.Sethostname([]byte("reprovm")); err != nil {
		return fmt.Errorf("set hostname: %w", err)
	}
	rawConsole()
	if _, err := os.Lstat("/bin/busybox"); err == nil {
		out, err := exec.Command("/bin/busybox", "--install", "-s", "/bin").CombinedOutput()
		if err != nil {
			return fmt.Errorf("busybox --install: %v: %s", err, out)
		}
	}
	return nil
}

// rawConsole turns off the console's newline translation (ONLCR), so the
// host captures the command's bytes as written. Best effort: a console
// that is not a terminal keeps its bytes anyway.
func rawConsole() {
	var t syscall.Termios
	fd := uintptr(os.Stdout.Fd())
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCGETS, uintptr(unsafe.Pointer(&t))); e != 0 {
		return
	}
	t.Oflag &^= syscall.ONLCR
	syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCSETS, uintptr(unsafe.Pointer(&t)))
}

// moduleInitCompressedFile is MODULE_INIT_COMPRESSED_FILE from
// include/uapi/linux/module.h: the kernel decompresses the .ko.xz itself
// (CONFIG_MODULE_DECOMPRESS=y in Debian's kernel).
const moduleInitCompressedFile = 4

// modules are the kernel modules in the initramfs, from dir/order: lines
// "<group> <file>" in load order (see images/initramfs). Group "boot" is
// loaded at start, group G before the first mount of a filesystem of
// type G.
type modules struct {
	dir    string
	lines  [][2]string // group, file
	loaded map[string]bool
}

func readModules(dir string) (*modules, error) {
	m := &modules{dir: dir, loaded: map[string]bool{}}
	order, err := os.ReadFile(dir + "/order")
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	for line := range strings.Lines(string(order)) {
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("%s/order: bad line %q", dir, line)
		}
		m.lines = append(m.lines, [2]string{f[0], f[1]})
	}
	return m, nil
}

// load loads the group's modules once, in order: a file name ending in
// ".xz" is decompressed by the kernel, any other is a plain ELF module. A
// module the kernel already has (EEXIST) is not an error.
func (m *modules) load(group string) error {
	if m.loaded[group] {
		return nil
	}
	m.loaded[group] = true
	empty, _ := syscall.BytePtrFromString("")
	for _, l := range m.lines {
		if l[0] != group {
			continue
		}
		name := l[1]
		f, err := os.Open(m.dir + "/" + name)
		if err != nil {
			return fmt.Errorf("load %s: %w", name, err)
		}
		flags := uintptr(0)
		if strings.HasSuffix(name, ".xz") {
			flags = moduleInitCompressedFile
		}
		_, _, e := syscall.Syscall(sysFinitModule, f.Fd(), uintptr(unsafe.Pointer(empty)), flags)
		f.Close()
		if e != 0 && e != syscall.EEXIST {
			return fmt.Errorf("load %s: finit_module: %w", name, e)
		}
	}
	return nil
}

// readBoot reads the boot record the host appended to the initramfs.
func readBoot() (*proto.Boot, error) {
	b, err := os.ReadFile("/" + proto.BootPath)
	if err != nil {
		return nil, fmt.Errorf("no boot record: %w", err)
	}
	return proto.ParseBoot(b)
}
