package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAddCAR imports a tree with reprovm add, exports it with car export
// into a .car.zst and imports that into a second store: both print the same
// CID.
func TestAddCAR(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(filepath.Join(src, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s1, s2 := filepath.Join(dir, "s1"), filepath.Join(dir, "s2")
	r := runCLI(t.Context(), "add", "--store", s1, src)
	if r.code != exitOK {
		t.Fatalf("add: exit %d\n%s", r.code, r.stderr)
	}
	root := strings.TrimSpace(r.stdout)
	withGit := runCLI(t.Context(), "add", "--store", s1, "--include-git", src)
	if strings.TrimSpace(withGit.stdout) == root {
		t.Errorf("--include-git gave the same CID %s", root)
	}
	car := filepath.Join(dir, "x.car.zst")
	if r := runCLI(t.Context(), "car", "export", "--store", s1, root, "-o", car); r.code != exitOK {
		t.Fatalf("car export: exit %d\n%s", r.code, r.stderr)
	}
	runCLI(t.Context(), "car", "import", "--store", s2, car).check(t, exitOK, root+"\n")
}

func TestAddErrors(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"add", "--store", dir, filepath.Join(dir, "missing")},
		{"add", "--store", dir},
		{"car", "export", "--store", dir, "not-a-cid", "-o", filepath.Join(dir, "x.car")},
		{"car", "export", "--store", dir, "bafkqaaa"},
		{"car", "import", "--store", dir, filepath.Join(dir, "missing.car")},
	} {
		if r := runCLI(t.Context(), args...); r.code != exitError || !strings.HasPrefix(r.stderr, "reprovm: ") {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and a message", args, r.code, r.stderr, exitError)
		}
	}
}
