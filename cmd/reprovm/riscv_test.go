package main

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/reprovm/reprovm/internal/rvtest"
)

// cFlags are the extra flags for the C programs of these tests.
var cFlags = []string{"-ffreestanding", "-fno-builtin", "-fno-stack-protector"}

// buildRISCV compiles and links args (after rvtest.BareMetal and cFlags)
// into a temporary file and returns its path.
func buildRISCV(t *testing.T, name string, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	rvtest.GCC(t, dir, name, slices.Concat(rvtest.BareMetal, cFlags, args)...)
	return filepath.Join(dir, name)
}

// tohostProg builds testdata/tohost.S with the given -D flags.
func tohostProg(t *testing.T, name string, defs ...string) string {
	t.Helper()
	return buildRISCV(t, name, slices.Concat([]string{"-T", "testdata/link.ld"}, defs, []string{"testdata/tohost.S"})...)
}

// demoProg builds the program that make demo runs (testdata/demo at the
// repository root), with the flags scripts/demo.sh uses.
func demoProg(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "testdata", "demo")
	return buildRISCV(t, "demo.elf", "-O2", "-T", filepath.Join(dir, "link.ld"),
		filepath.Join(dir, "start.S"), filepath.Join(dir, "demo.c"))
}
