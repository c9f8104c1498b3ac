package machine_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reprovm/reprovm/internal/rvtest"
	"github.com/reprovm/reprovm/machine"
	"github.com/reprovm/reprovm/machine/internal/rvgen"
)

// Differential test of PMP and the trigger module against QEMU's system
// emulation: rvgen.GeneratePriv programs (random PMP rules and triggers,
// loads, stores and AMOs from M, S and U) run bare metal on QEMU's spike
// machine, which prints the outcome of every access through its HTIF
// console, and on the hart (fast paths on and off), whose outcomes are
// read from memory; all must agree. TestDiffQEMU cannot cover this: its
// programs run in U-mode under qemu-riscv64, where these CSRs do not exist.
var (
	privCount = flag.Int("diffpriv.count", 40, "number of random privileged programs TestDiffPrivQEMU runs")
	privSeed  = flag.Uint64("diffpriv.seed", 1, "seed of the first privileged program; program i uses seed+i")
	privLen   = flag.Int("diffpriv.len", 24, "changes of PMP or trigger settings per privileged program")
)

func TestDiffPrivQEMU(t *testing.T) {
	qemu := rvtest.Tool(t, "qemu-system-riscv64")
	rvtest.Tool(t, "riscv64-linux-gnu-gcc")
	isa, err := filepath.Abs(filepath.Join("testdata", "isa"))
	if err != nil {
		t.Fatal(err)
	}
	const batch = 10
	for lo := 0; lo < *privCount; lo += batch {
		first := *privSeed + uint64(lo)
		last := first + uint64(min(batch, *privCount-lo)) - 1
		t.Run(fmt.Sprintf("seeds_%d-%d", first, last), func(t *testing.T) {
			t.Parallel()
			for seed := first; seed <= last; seed++ {
				diffPriv(t, qemu, isa, seed)
			}
		})
	}
}

// diffPriv runs the program of seed on both sides and reports the first
// result that differs.
func diffPriv(t *testing.T, qemu, isa string, seed uint64) {
	t.Helper()
	p := rvgen.GeneratePriv(seed, *privLen)
	dir := t.TempDir()
	src := filepath.Join(dir, "priv.S")
	if err := os.WriteFile(src, []byte(p.Source()), 0o644); err != nil {
		t.Fatal(err)
	}
	args := slices.Concat(rvtest.BareMetal, []string{"-I", isa, "-T", filepath.Join(isa, "link.ld"), src})
	elf := rvtest.GCC(t, dir, "priv.elf", args...)

	want, err := privOnQEMU(qemu, filepath.Join(dir, "priv.elf"), p.Results)
	if err != nil {
		t.Fatalf("seed %d: QEMU: %v (rerun: go test ./machine -run TestDiffPrivQEMU -diffpriv.seed=%d -diffpriv.count=1)", seed, err, seed)
	}
	for _, ref := range []bool{false, true} {
		got, err := privOnHart(elf, p.Results, ref)
		if err != nil {
			t.Fatalf("seed %d (reference %v): hart: %v", seed, ref, err)
		}
		if i := slices.Compare(got, want); i != 0 {
			for j := range want {
				if got[j] != want[j] {
					t.Errorf("seed %d (reference %v): result %d is %#x on the hart, %#x on QEMU (rerun: go test ./machine -run TestDiffPrivQEMU -diffpriv.seed=%d -diffpriv.count=1; the program: rvgen.GeneratePriv(%d, %d).Source())",
						seed, ref, j, got[j], want[j], seed, seed, *privLen)
					break
				}
			}
			return
		}
	}
}

// privOnQEMU runs elf on QEMU's spike machine and parses the n results it
// prints.
func privOnQEMU(qemu, elf string, n int) ([]uint64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, qemu, "-M", "spike", "-cpu", "rv64,h=false",
		"-icount", "shift=0,sleep=off", "-bios", "none", "-m", "256M", "-nographic", "-kernel", elf)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%v\n%s%s", err, out.Bytes(), stderr.Bytes())
	}
	fields := strings.Fields(out.String())
	if len(fields) != n {
		return nil, fmt.Errorf("printed %d results, want %d:\n%s", len(fields), n, out.Bytes())
	}
	res := make([]uint64, n)
	for i, f := range fields {
		v, err := strconv.ParseUint(f, 16, 64)
		if err != nil {
			return nil, fmt.Errorf("result %d: %v", i, err)
		}
		res[i] = v
	}
	return res, nil
}

// privOnHart runs elf on a fresh machine up to its first tohost write (the
// first character it prints) and returns its n results from memory.
func privOnHart(elf []byte, n int, ref bool) ([]uint64, error) {
	m, err := machine.New(machine.Config{RAMSize: diffRAM, Reference: ref})
	if err != nil {
		return nil, err
	}
	img, err := m.LoadELF(elf)
	if err != nil {
		return nil, err
	}
	m.Reset(img.Entry)
	m.WatchToHost(img.Symbols["tohost"])
	stop, err := m.Run(context.Background(), 10_000_000)
	if err != nil {
		return nil, err
	}
	if stop.Reason != machine.StopToHost || stop.ToHost>>48 != 0x0101 {
		return nil, fmt.Errorf("stopped with %+v at pc %#x, not at the first character of the report", stop, m.PC())
	}
	buf := make([]byte, 8*n)
	if err := m.ReadPhys(img.Symbols["res"], buf); err != nil {
		return nil, err
	}
	res := make([]uint64, n)
	for i := range res {
		res[i] = binary.LittleEndian.Uint64(buf[8*i:])
	}
	return res, nil
}
