package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// bareMetal are the riscv64-linux-gnu-gcc flags for a static program that
// runs without an OS, linked at RAM by the given linker script.
var bareMetal = []string{
	"-march=rv64gc", "-mabi=lp64d", "-mcmodel=medany",
	"-ffreestanding", "-fno-builtin", "-fno-stack-protector", "-fno-pic",
	"-nostdlib", "-nostartfiles", "-static", "-no-pie",
	"-Wl,--build-id=none", "-Wl,--no-warn-rwx-segments",
}

// buildRISCV compiles and links args with riscv64-linux-gnu-gcc into a
// temporary file and returns its path.
//
// This is machine/internal/rvtest.GCC for a package that Go's internal-import
// rule keeps out of machine/internal; it follows the same policy (skip when
// the tool is missing, fail under CI=true, where make test installs it).
// Use rvtest once it moves where cmd/reprovm can import it.
func buildRISCV(t *testing.T, name string, args ...string) string {
	t.Helper()
	gcc, err := exec.LookPath("riscv64-linux-gnu-gcc")
	if err != nil {
		msg := "riscv64-linux-gnu-gcc not found; install it with: apt-get install gcc-riscv64-linux-gnu (or run make test)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	out := filepath.Join(t.TempDir(), name)
	cmd := exec.Command(gcc, slices.Concat([]string{"-o", out}, args)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, b)
	}
	return out
}

// tohostProg builds testdata/tohost.S with the given -D flags.
func tohostProg(t *testing.T, name string, defs ...string) string {
	t.Helper()
	return buildRISCV(t, name, slices.Concat(bareMetal, []string{"-T", "testdata/link.ld"}, defs, []string{"testdata/tohost.S"})...)
}

// demoProg builds the program that make demo runs (testdata/demo at the
// repository root), with the flags scripts/demo.sh uses.
func demoProg(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "testdata", "demo")
	return buildRISCV(t, "demo.elf", slices.Concat(bareMetal, []string{
		"-O2", "-T", filepath.Join(dir, "link.ld"),
		filepath.Join(dir, "start.S"), filepath.Join(dir, "demo.c"),
	})...)
}
