package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunVMCommand boots Debian's kernel (fetched into the user cache on
// first use) and runs a shell command that prints, reads a read-only raw
// drive (its file's bytes, which the zeros of the rest of its input slot
// follow), leaves a file in /out and exits 3.
func TestRunVMCommand(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "data.img")
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i * 7 / 3)
	}
	if err := os.WriteFile(img, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	r := runCLI(t.Context(), "run", "--drive", img+":ro", "--out", out, "--",
		"sh", "-c", "echo hello; uname -m; head -c 1048576 /dev/vda | sha256sum > /out/sum.txt; exit 3")
	r.check(t, 3, "")
	for _, want := range []string{"hello\n", "riscv64\n", "reprovm: exit status 3; retired "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, r.stderr)
		}
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("--out directory: %v, %v; want mode 0755", fi, err)
	}
	got, err := os.ReadFile(filepath.Join(out, "sum.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%x  -\n", sha256.Sum256(data)); string(got) != want {
		t.Errorf("sum.txt = %q, want %q", got, want)
	}
}
