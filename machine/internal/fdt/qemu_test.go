package fdt

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reprovm/reprovm/internal/rvtest"
)

// qemuOpenSBI is the OpenSBI build that Debian's qemu-system-data ships for
// QEMU's virt machine.
const qemuOpenSBI = "/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin"

// TestBoardOpenSBIInQEMU hands the board's blob to real OpenSBI: QEMU's virt
// machine has every device the blob names at the same address, and -dtb
// replaces QEMU's own tree with ours. OpenSBI's banner then shows which
// drivers it bound from our tree. (By hand, the same blob under QEMU with
// Debian's OpenSBI 1.6 and 6.12.107 kernel also binds syscon-poweroff and
// syscon-reboot, and the kernel runs to its root-mount panic with
// "Machine model: reprovm", "crng init done" at 0 s, no fallback to the
// deprecated riscv,isa, and "plic@c000000: mapped 31 interrupts with 1
// handlers for 2 contexts".)
func TestBoardOpenSBIInQEMU(t *testing.T) {
	qemu := rvtest.Tool(t, "qemu-system-riscv64")
	if _, err := os.Stat(qemuOpenSBI); err != nil {
		msg := qemuOpenSBI + " missing; install it with: apt-get install qemu-system-data"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	c := testConfig()
	c.InitrdStart, c.InitrdEnd = 0, 0
	b, err := Board(c) // 1 GiB at 0x80000000, as -m 1G below
	if err != nil {
		t.Fatal(err)
	}
	dtb := filepath.Join(t.TempDir(), "board.dtb")
	if err := os.WriteFile(dtb, b, 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemu, "-M", "virt", "-m", "1G", "-smp", "1",
		"-nographic", "-nodefaults", "-serial", "stdio", "-monitor", "none",
		"-bios", qemuOpenSBI, "-dtb", dtb)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill() // no payload follows the banner: stop QEMU
		_ = cmd.Wait()
	}()

	banner := map[string]string{}
	var log strings.Builder
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		log.WriteString(line + "\n")
		if k, v, ok := strings.Cut(line, ":"); ok {
			banner[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		if strings.HasPrefix(line, "Boot HART MEDELEG") {
			break
		}
	}
	want := map[string]string{
		"Platform Name":           "reprovm",
		"Platform HART Count":     "1",
		"Platform IPI Device":     "aclint-mswi",
		"Platform Timer Device":   "aclint-mtimer @ 10000000Hz",
		"Platform Console Device": "uart8250",
		"Boot HART ID":            "0",
	}
	for k, v := range want {
		if banner[k] != v {
			t.Errorf("OpenSBI %q = %q, want %q", k, banner[k], v)
		}
	}
	if t.Failed() {
		t.Logf("OpenSBI output:\n%s", log.String())
	}
}
