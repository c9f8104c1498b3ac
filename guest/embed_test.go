package guest

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/reprovm/reprovm/guest/internal/initbuild"
)

// The committed init is exactly what its source builds to with the
// documented flags. Building needs the Go version that made it; under CI
// the versions match, elsewhere a mismatch skips with the way to fix it.
func TestInitReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the guest init")
	}
	// go test puts its own toolchain's bin directory first in PATH.
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	have, err := initbuild.GoVersion(goCmd)
	if err != nil {
		t.Fatal(err)
	}
	if have != InitGoVersion() {
		msg := "guest/init.riscv64 was built by " + InitGoVersion() + ", this host has " + have +
			"; rebuild with that version or run go generate ./guest and commit both files"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	out := filepath.Join(t.TempDir(), "init")
	if err := initbuild.Build(goCmd, ".", out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, Init()) {
		t.Fatalf("rebuilt init (%d bytes) differs from the committed guest/init.riscv64 (%d bytes): run go generate ./guest and commit it",
			len(got), len(Init()))
	}
}

// The embedded init is a static riscv64 Linux executable.
func TestInitIsStaticRISCV64(t *testing.T) {
	f, err := elf.NewFile(bytes.NewReader(Init()))
	if err != nil {
		t.Fatal(err)
	}
	if f.Machine != elf.EM_RISCV || f.Class != elf.ELFCLASS64 || f.Type != elf.ET_EXEC {
		t.Errorf("init is %v %v %v, want EM_RISCV ELFCLASS64 ET_EXEC", f.Machine, f.Class, f.Type)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("init has a %v segment; it must be static", p.Type)
		}
	}
}
