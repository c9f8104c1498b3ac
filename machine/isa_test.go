package machine_test

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/reprovm/reprovm/internal/rvtest"
	"github.com/reprovm/reprovm/machine"
)

// isaTest is one program of the conformance suite in testdata/isa. Each
// program runs many numbered test cases and reports through tohost (see
// testdata/isa/env.h).
type isaTest struct {
	name    string   // subtest name
	src     string   // assembly source in testdata/isa
	defines []string // extra -D flags (for example the paging mode)

	// qemuQuirks defines QEMU_QUIRKS for the QEMU run: the program then
	// expects QEMU 7.2's documented deviations from the spec instead of the
	// spec's behaviour, at the places it marks (see the source).
	qemuQuirks bool

	// qemuSkip, when non-empty, says why this program checks behaviour that
	// is specific to reprovm and is not run on QEMU.
	qemuSkip string
}

// isaTests is the suite. Programs that use virtual memory are built once per
// paging mode.
var isaTests = []isaTest{
	{name: "rv64ui", src: "rv64ui.S"},
	{name: "rv64um", src: "rv64um.S"},
	// QEMU 7.2 reports misaligned AMOs as load-misaligned and AMO access
	// faults as load access faults, and lets a misaligned SC fail silently.
	{name: "rv64ua", src: "rv64ua.S", qemuQuirks: true},
	{name: "rv64uf", src: "rv64uf.S"},
	{name: "rv64ud", src: "rv64ud.S"},
	{name: "rv64uc", src: "rv64uc.S"},
	// QEMU's spike machine has no time CSR.
	{name: "csr", src: "csr.S", qemuQuirks: true},
	// QEMU 7.2 writes mtval = 0 for ebreak and keeps MPRV on mret to S.
	{name: "traps", src: "traps.S", qemuQuirks: true},
	// QEMU 7.2 takes a pending SSI before a pending MSI.
	{name: "interrupts", src: "interrupts.S", qemuQuirks: true},
	// QEMU 7.2 implements Sv57, so its satp accepts mode 10.
	{name: "vm-sv39", src: "vm.S", qemuQuirks: true},
	{name: "vm-sv48", src: "vm.S", defines: []string{"SV48"}, qemuQuirks: true},
	// QEMU 7.2 keeps every bit written to pmpaddr and pmpcfg, has no
	// pmpaddr16-63, does not check a PTE's A/D update against PMP, and
	// more (see the source).
	{name: "pmp", src: "pmp.S", qemuQuirks: true},
	// QEMU 7.2 writes tval = 0 for breakpoints, fires M- and S-mode triggers
	// whatever MIE and SIE are, and matches an 8-byte window from tdata2.
	{name: "trigger", src: "trigger.S", qemuQuirks: true},
	{name: "sstc", src: "sstc.S", qemuSkip: "QEMU 7.2 needs a time source for Sstc, and its spike board has none"},
}

// isaMaxInsns bounds each program; the largest needs well under a million.
const isaMaxInsns = 10_000_000

// buildISA assembles and links one program of the suite into a fresh
// temporary directory and returns the ELF's path and bytes.
func buildISA(t *testing.T, tc isaTest, defines ...string) (string, []byte) {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "isa"))
	if err != nil {
		t.Fatal(err)
	}
	args := slices.Concat(rvtest.BareMetal, []string{"-I", dir, "-T", filepath.Join(dir, "link.ld")})
	for _, d := range slices.Concat(tc.defines, defines) {
		args = append(args, "-D"+d)
	}
	args = append(args, filepath.Join(dir, tc.src))
	out := t.TempDir()
	return filepath.Join(out, "t.elf"), rvtest.GCC(t, out, "t.elf", args...)
}

// TestISA runs every program of the suite on reprovm's hart, with the
// interpreter's fast paths on and off (machine.Config.Reference): both must
// pass after the same number of instructions.
func TestISA(t *testing.T) {
	for _, tc := range isaTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, elf := buildISA(t, tc)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var instret [2]uint64
			for i, ref := range []bool{false, true} {
				res, err := machine.RunTest(ctx, elf, machine.Config{Reference: ref}, isaMaxInsns)
				if err != nil {
					t.Fatalf("RunTest (reference %v): %v", ref, err)
				}
				switch {
				case res.HitLimit:
					t.Fatalf("reference %v: no tohost write within %d instructions", ref, isaMaxInsns)
				case !res.Passed:
					t.Fatalf("reference %v: test case %d failed (after %d instructions)", ref, res.FailedTest, res.Instret)
				}
				instret[i] = res.Instret
			}
			if instret[0] != instret[1] {
				t.Fatalf("%d instructions with the fast paths, %d without", instret[0], instret[1])
			}
		})
	}
}

// TestISAOnQEMU runs the same programs on QEMU's spike machine to prove the
// suite itself against a reference.
func TestISAOnQEMU(t *testing.T) {
	for _, tc := range isaTests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.qemuSkip != "" {
				t.Skip("reprovm-only: " + tc.qemuSkip)
			}
			t.Parallel()
			if code := runISAOnQEMU(t, tc); code != 0 {
				// The exit status keeps only the low 8 bits of N.
				t.Fatalf("test case N failed on QEMU, N mod 256 = %d", code)
			}
		})
	}
}

// runISAOnQEMU builds tc (with QEMU_QUIRKS if it asks for them) and runs it on
// QEMU's spike machine, whose HTIF device exits with status 0 on a tohost
// write of 1 and with status N (mod 256) on a write of N<<1|1. It returns
// that status and fails the test if QEMU does not exit in time.
func runISAOnQEMU(t *testing.T, tc isaTest) int {
	t.Helper()
	qemu := rvtest.Tool(t, "qemu-system-riscv64")
	var defs []string
	if tc.qemuQuirks {
		defs = append(defs, "QEMU_QUIRKS")
	}
	elf, _ := buildISA(t, tc, defs...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// h=false: QEMU 7.2 enables the hypervisor extension by default, and
	// misa must match reprovm's. -icount makes instret count retired
	// instructions exactly (otherwise QEMU derives it from host ticks);
	// sleep=off lets wfi jump to the next timer deadline at once.
	cmd := exec.CommandContext(ctx, qemu, "-M", "spike", "-cpu", "rv64,h=false",
		"-icount", "shift=0,sleep=off", "-bios", "none",
		"-m", "256M", "-nographic", "-kernel", elf)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("QEMU timed out (no tohost write)\n%s", out)
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("QEMU: %v\n%s", err, out)
	}
	return 0
}

// TestISASelfCheck runs a program that fails test case 300 on purpose, to
// prove that a failing case is reported with its number by reprovm and by
// QEMU (whose exit status keeps only N mod 256).
func TestISASelfCheck(t *testing.T) {
	tc := isaTest{name: "selfcheck_fail", src: "selfcheck_fail.S"}
	t.Run("reprovm", func(t *testing.T) {
		_, elf := buildISA(t, tc)
		res, err := machine.RunTest(context.Background(), elf, machine.Config{}, isaMaxInsns)
		if err != nil {
			t.Fatalf("RunTest: %v", err)
		}
		if res.Passed || res.HitLimit || res.FailedTest != 300 {
			t.Fatalf("got %+v, want test case 300 to fail", res)
		}
	})
	t.Run("qemu", func(t *testing.T) {
		if code := runISAOnQEMU(t, tc); code != 300%256 {
			t.Fatalf("QEMU exit status %d, want %d", code, 300%256)
		}
	})
}
