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

// loadModules loads the modules named in dir/order, in that order. A
// module the kernel already has (EEXIST) is not an error.
func loadModules(dir string) error {
	order, err := os.ReadFile(dir + "/order")
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	empty, _ := syscall.BytePtrFromString("")
	for name := range strings.FieldsSeq(string(order)) {
		f, err := os.Open(dir + "/" + name)
		if err != nil {
			return fmt.Errorf("load %s: %w", name, err)
		}
		_, _, e := syscall.Syscall(sysFinitModule, f.Fd(), uintptr(unsafe.Pointer(empty)), moduleInitCompressedFile)
		f.Close()
		if e != 0 && e != syscall.EEXIST {
			return fmt.Errorf("load %s: finit_module: %w", name, e)
		}
	}
	return nil
}

// readJob reads the job from /reprovm/job.json (an archive appended to the
// initramfs) or else from the kernel command line.
func readJob() (*proto.Job, error) {
	if b, err := os.ReadFile("/reprovm/job.json"); err == nil {
		return proto.ParseJob(b)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	cmdline, err := os.ReadFile("/proc/cmdline")
	if err != nil {
		return nil, err
	}
	job, found, err := proto.JobFromCmdline(string(cmdline))
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("no job: neither /reprovm/job.json nor %s= on the kernel command line", proto.CmdlineKey)
	}
	return job, nil
}
