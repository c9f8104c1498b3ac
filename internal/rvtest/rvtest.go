// Package rvtest finds and runs the host's RISC-V reference tools (Debian's
// cross gcc/binutils and QEMU) for tests. `make test` installs them with apt.
//
// A missing tool skips the test on a developer machine, with the package to
// install; under CI (CI=true) it fails the test, because a skipped suite there
// would hide a broken install step.
package rvtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BareMetal are the riscv64-linux-gnu-gcc flags for a static RV64GC
// program that runs without an OS at the addresses of its linker script
// (add -T script.ld): no libc, no start files, no PIE, no build ID (so
// the ELF is byte-reproducible), no warning for an RWX segment.
var BareMetal = []string{
	"-march=rv64gc", "-mabi=lp64d", "-mcmodel=medany",
	"-nostdlib", "-nostartfiles", "-static", "-fno-pie", "-no-pie",
	"-Wl,--build-id=none", "-Wl,--no-warn-rwx-segments",
}

// Debian packages that provide each tool.
var toolPackage = map[string]string{
	"riscv64-linux-gnu-gcc":     "gcc-riscv64-linux-gnu",
	"riscv64-linux-gnu-as":      "binutils-riscv64-linux-gnu",
	"riscv64-linux-gnu-ld":      "binutils-riscv64-linux-gnu",
	"riscv64-linux-gnu-objdump": "binutils-riscv64-linux-gnu",
	"qemu-riscv64":              "qemu-user",
	"qemu-system-riscv64":       "qemu-system-misc",
	"dtc":                       "device-tree-compiler",
}

// Tool returns the path of a host tool, or ends the test if it is missing.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := name + " not found; install it with: apt-get install " + toolPackage[name] + " (or run make test)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Run runs a tool and fails the test with its output if it fails.
func Run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(Tool(t, name), args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out.Bytes())
	}
	return out.Bytes()
}

// GCC compiles and links with riscv64-linux-gnu-gcc into dir/out and returns
// the ELF bytes. args are passed as given (sources, -march, -T script, ...).
func GCC(t testing.TB, dir, out string, args ...string) []byte {
	t.Helper()
	path := filepath.Join(dir, out)
	Run(t, "riscv64-linux-gnu-gcc", append([]string{"-o", path}, args...)...)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
